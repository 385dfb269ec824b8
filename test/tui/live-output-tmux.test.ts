/**
 * Live step output, watched as it happens: an `:exec` step prints a line a second for 5 s; the
 * TUI (tmux, 100x30) and `runs logs --follow` (human and --json) show its third line while the
 * journal says the step has not completed. The step holds after its third line until the test
 * has seen it (a file in the workspace releases it), so "while it runs" never depends on timing.
 * Runs the built CLI (bin/run.js); `npm test` builds first.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {CLI, hasTmux, terminal} from '../helpers/tmux.js'

const FLOW = `{:slug :ticker
 :name "Ticker"
 :flow (flow/step :exec :tick {:command ["sh" "-c" "for i in 1 2 3 4 5; do echo tick-$i; if [ $i = 3 ]; then while [ ! -e release ]; do sleep 0.1; done; fi; sleep 1; done; echo done >&2"]})}
`

/** A CLI child whose stdout is collected as it streams. */
function start(cwd: string, args: string[]): {child: ChildProcess; out: () => string; exited: Promise<number>} {
  const child = spawn(process.execPath, [CLI, ...args], {cwd, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.resume()
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)))
  return {child, out: () => out, exited}
}

const term = terminal('live-e2e', 'live', 30_000)
const {tmux, screen, until} = term

describe.skipIf(!hasTmux())('live step output in the TUI and runs logs --follow', () => {
  let dir: string
  const children: ChildProcess[] = []
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-live-e2e-'))
    execFileSync(process.execPath, [CLI, 'init'], {cwd: dir, stdio: 'ignore'})
    fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'ticker.edn'), FLOW)
  })
  afterAll(() => {
    fs.writeFileSync(path.join(dir, 'release'), '')
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    term.close()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('shows the third line while the step still runs', async () => {
    const run = start(dir, ['flows', 'run', 'ticker', '--json'])
    children.push(run.child)
    const runsDir = path.join(dir, '.breyta', 'runs')
    let runId = ''
    await until('the run to be created', () => {
      runId = fs.existsSync(runsDir) ? (fs.readdirSync(runsDir).find((n) => /^[0-9A-Z]{26}$/.test(n)) ?? '') : ''
      return runId !== '' && fs.existsSync(path.join(runsDir, runId, 'events.jsonl'))
    })
    const journal = () =>
      fs
        .readFileSync(path.join(runsDir, runId, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as {type: string; step?: string})
    const tickCompleted = () => journal().some((e) => e.type === 'step_completed' && e.step === 'tick')

    const follow = start(dir, ['runs', 'logs', runId, '--follow'])
    const followJson = start(dir, ['runs', 'logs', runId, '--step', 'tick', '--follow', '--json'])
    children.push(follow.child, followJson.child)
    tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'live', '-c', dir, `${process.execPath} ${CLI} tui; echo "TUI-EXIT=$?"; sleep 60`)
    await until('the run in the list', () => screen().includes('ticker'))
    tmux('send-keys', '-t', 'live', 'Enter')

    await until('the third line in the TUI', () => screen().includes('out│ tick-3'))
    await until('the third line from runs logs --follow', () => follow.out().includes('tick stdout│ tick-3'))
    await until('the third line from runs logs --follow --json', () => followJson.out().includes('"line":"tick-3"'))
    // Still running: the step holds until released, and its end is not journaled.
    expect(tickCompleted()).toBe(false)
    expect(screen()).toContain('── live output')
    expect(follow.out()).not.toContain('tick-4')
    const jsonLines = followJson
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(jsonLines).toContainEqual(expect.objectContaining({type: 'output', step: 'tick', stream: 'stdout', line: 'tick-3', seq: 3, attempt: 1}))
    expect(jsonLines[0]).toMatchObject({type: 'run_created'})

    fs.writeFileSync(path.join(dir, 'release'), '')
    expect(await run.exited).toBe(0)
    expect(await follow.exited).toBe(0)
    expect(await followJson.exited).toBe(0)
    // Every line once, stdout and stderr prefixed, before the step's completion.
    const human = follow.out()
    for (let i = 1; i <= 5; i++) expect(human.split(`tick stdout│ tick-${i}\n`).length - 1).toBe(1)
    expect(human).toContain('tick stderr│ done')
    expect(human.indexOf('tick stdout│ tick-5')).toBeLessThan(human.indexOf('✓ tick'))
    // --follow --json: only lines, no envelope after them.
    const all = followJson
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(all.filter((o) => o.type === 'output').map((o) => o.line)).toEqual(['tick-1', 'tick-2', 'tick-3', 'tick-4', 'tick-5', 'done'])
    expect(all.at(-1)).toMatchObject({type: 'run_completed'})
    // The step's result stays as before.
    expect(JSON.parse(run.out()).data.output).toMatchObject({'exit-code': 0, stdout: 'tick-1\ntick-2\ntick-3\ntick-4\ntick-5\n', stderr: 'done\n'})

    tmux('send-keys', '-t', 'live', 'q')
    await until('the exit', () => screen().includes('TUI-EXIT='))
    expect(screen()).toContain('TUI-EXIT=0')
  })
})
