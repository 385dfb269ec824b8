/**
 * "Your mistake is named as yours": every SPEC §6 error code (ERROR_EXIT_CODES) is produced here
 * through `bin/run.js --json` by the mistake or situation it names, and each answer carries that
 * code, its exit code and a hint that is not the "bug in breyta" hint. `internal` is for bugs
 * only, so it has no scenario.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {ERROR_EXIT_CODES} from '../../src/engine/errors.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeAll(async () => {
  t = await tempWorkspace('breyta-codes-')
  t.writeFlow('gate', `{:slug :gate :name "gate" :flow (let [ok (flow/step :wait :ok {:key "ok"})] ok)}`)
  t.writeFlow('boom', `{:slug :boom :name "boom" :flow (flow/step :exec :e {:command ["sh" "-c" "exit 2"] :retry {:max-attempts 2 :backoff "10ms"}})}`)
  t.writeFlow('nap', `{:slug :nap :name "nap" :flow (flow/step :sleep :s {:duration "1h"})}`)
})
afterAll(async () => {
  await killDaemons()
  t.cleanup()
})

const BUG_HINT = /bug in breyta/i
const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
type Answer = Awaited<ReturnType<typeof run>>

/**
 * Codes whose situation needs a full disk (a tmpfs mount) or three executor deaths: their hints
 * are asserted in test/integration/storage-faults.test.ts and daemon-crash-loop.test.ts.
 */
const COVERED_ELSEWHERE = new Set(['storage_error', 'run_crashed'])

/** One scenario per code: the CLI answer whose error (or, for run errors, whose run's error) has that code. */
const scenarios: Record<string, () => Promise<{answer: Answer; error?: {code: string; hint?: string | null}}>> = {
  workspace_not_found: async () => ({
    answer: await cli(['runs', 'list', '--json'], {cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-nows-')), env: {BREYTA_WORKSPACE: ''}}),
  }),
  invalid_input: async () => ({answer: await run('flows', 'run', 'gate', '--input', '[1]')}),
  invalid_flow: async () => {
    t.writeFlow('broken', `{:slug :broken :name "b" :flow (flow/step :sleep :s {:duration "0s"})}`)
    return {answer: await run('flows', 'validate', 'broken')}
  },
  unknown_command: async () => ({answer: await run('flows', 'rnu')}),
  flow_not_found: async () => ({answer: await run('flows', 'show', 'no-such-flow')}),
  run_not_found: async () => ({answer: await run('runs', 'show', '01ABCDEFGHJKMNPQRSTVWXYZ00')}),
  wait_not_found: async () => {
    const r = await run('flows', 'run', 'gate')
    return {answer: await run('waits', 'complete', r.json.data.id, 'nope')}
  },
  version_not_found: async () => ({answer: await run('flows', 'show', 'gate', '--version', '9')}),
  resource_not_found: async () => ({answer: await run('kv', 'get', 'missing-key')}),
  no_live_version: async () => ({answer: await run('flows', 'run', 'gate', '--target', 'live')}),
  wait_already_completed: async () => {
    const r = await run('flows', 'run', 'gate')
    await run('waits', 'complete', r.json.data.id, 'ok')
    return {answer: await run('waits', 'complete', r.json.data.id, 'ok')}
  },
  run_not_active: async () => {
    const r = await run('flows', 'run', 'gate')
    await run('runs', 'cancel', r.json.data.id)
    return {answer: await run('runs', 'cancel', r.json.data.id)}
  },
  daemon_not_running: async () => ({answer: await run('daemon', 'stop')}),
  daemon_already_running: async () => {
    const d = await spawnDaemon(t.root)
    const answer = await run('daemon', 'start', '--port', '0')
    await d.stop()
    return {answer}
  },
  run_failed: async () => ({answer: await run('flows', 'run', 'boom', '--wait')}),
  step_failed: async () => {
    const answer = await run('flows', 'run', 'boom', '--wait')
    return {answer, error: answer.json.error?.details.error}
  },
  run_cancelled: async () => {
    const before = new Set((await run('runs', 'list', '--limit', '100')).json.data.items.map((r: {id: string}) => r.id))
    const child = spawnCli(['flows', 'run', 'gate', '--wait', '--json'], {cwd: t.root})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const code = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)))
    const id = await until(async () => {
      const items = (await run('runs', 'list', '--flow', 'gate', '--status', 'waiting', '--limit', '100')).json.data.items as {id: string}[]
      return items.find((r) => !before.has(r.id))?.id
    }, 20_000)
    await run('runs', 'cancel', id)
    return {answer: {code: await code, stdout: out, stderr: '', json: JSON.parse(out)}}
  },
  wait_timed_out: async () => ({answer: await run('flows', 'run', 'nap', '--wait', '--timeout', '200ms')}),
  journal_corrupt: async () => {
    const r = await run('flows', 'run', 'gate')
    const journal = path.join(t.root, '.breyta', 'runs', r.json.data.id, 'events.jsonl')
    const lines = fs.readFileSync(journal, 'utf8').split('\n')
    lines[1] = '{"damaged'
    fs.writeFileSync(journal, lines.join('\n'))
    return {answer: await run('runs', 'show', r.json.data.id)}
  },
  resource_exhausted: async () => {
    const w = await tempWorkspace('breyta-codes-budget-')
    try {
      fs.writeFileSync(path.join(w.root, '.breyta', 'config.edn'), '{:limits {:compute-ms 200}}\n')
      w.writeFlow('spin', '{:slug :spin :name "spin" :flow (loop [i 0] (recur (inc i)))}')
      const answer = await cli(['flows', 'run', 'spin', '--wait', '--json'], {cwd: w.root})
      return {answer, error: answer.json.error?.details?.error ?? answer.json.error}
    } finally {
      w.cleanup()
    }
  },
  nondeterminism: async () => {
    const r = await run('flows', 'run', 'gate')
    const id = r.json.data.id as string
    // The pinned definition changed under a parked run: the replay meets another step.
    fs.writeFileSync(
      path.join(t.root, '.breyta', 'runs', id, 'flow.edn'),
      `{:slug :gate :name "gate" :flow (let [x (flow/step :sleep :other {:duration "1s"})] x)}`,
    )
    await run('waits', 'complete', id, 'ok')
    const answer = await run('runs', 'show', id)
    return {answer, error: answer.json.data.error}
  },
}

const codes = Object.keys(ERROR_EXIT_CODES).filter((c) => c !== 'internal' && !COVERED_ELSEWHERE.has(c))

it('every SPEC error code (but internal) has a scenario here', () => {
  expect(codes.filter((c) => !(c in scenarios))).toEqual([])
})

it.each(codes)(
  '%s comes with its exit code and a hint that fits (not the bug hint)',
  async (code) => {
    const {answer, error} = await scenarios[code]!()
    const shown = error ?? answer.json.error
    expect(shown?.code, `${code}: ${answer.stdout}`).toBe(code)
    if (!error) expect(answer.code, code).toBe((ERROR_EXIT_CODES as Record<string, number>)[code])
    expect(shown?.hint, `${code} has a hint`).toBeTruthy()
    expect(shown?.hint, `${code}: ${shown?.hint}`).not.toMatch(BUG_HINT)
  },
  60_000,
)

it('hints fit the case: exhausted retries count the attempts, flow-code errors say fix the flow, a bad URL is named', async () => {
  const boom = await run('flows', 'run', 'boom', '--wait')
  expect(boom.json.error!.message).toContain('(all 2 attempts failed)')
  expect(boom.json.error!.hint).toMatch(/^All 2 attempts \(:retry \{:max-attempts 2\}\) failed/)
  expect(boom.json.error!.hint).not.toContain('Add :retry')

  t.writeFlow('code', `{:slug :code :name "code" :flow (let [x (flow/input)] (+ 1 (:n x)))}`)
  const code = await run('flows', 'run', 'code', '--wait')
  expect(code.json.error).toMatchObject({code: 'run_failed', details: {error: {details: {form: '(+ 1 (:n x))'}}}})
  expect(code.json.error!.hint).toContain('fix the flow')
  expect(code.json.error!.hint).toContain('`breyta runs retry` reruns the same definition and would fail the same way')

  t.writeFlow('url', `{:slug :url :name "url" :flow (let [x (flow/input)] (flow/step :http :get {:url (str (:base x) "/items")}))}`)
  const url = await run('flows', 'run', 'url', '--wait')
  expect(url.json.error!.message).toContain(':http step: invalid URL "/items" (from :url)')
  expect(url.json.error!.hint).toContain('from a missing input')
  expect(url.json.error!.details.view.steps[0]).toMatchObject({status: 'failed', attempts: 1})
}, 60_000)
