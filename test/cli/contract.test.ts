/**
 * Issue 13's must-shows for the CLI contract, through the built `bin/run.js` as an agent drives
 * it: every answer is one JSON document, deadlines are results (exit 6), nothing blocks without
 * saying why, state tells the truth. Exact envelopes, codes and exit codes.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-contract-')
})
afterEach(() => t.cleanup())

const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})

const NAP = `{:slug :nap :name "Nap"
 :flow (let [_ (flow/step :sleep :nap {:duration "2s"})] {:done true})}`
const GATED = `{:slug :solo :name "Solo"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (let [ok (flow/step :wait :gate {:key "gate" :approval {:prompt "go?"}})] {:ok (:decision ok)})}`

describe('every answer is one JSON document', () => {
  it('an unknown command with --json is unknown_command (exit 2) with a did-you-mean', async () => {
    const r = await run('flws', 'list')
    expect(r.code).toBe(2)
    expect(r.json).toEqual({
      ok: false,
      error: {
        code: 'unknown_command',
        message: 'unknown command "flws list"',
        hint: expect.stringContaining('Did you mean `breyta flows list`'),
        details: {command: 'flws list', suggestions: expect.arrayContaining(['breyta flows list'])},
      },
    })
    const text = await cli(['runs', 'lst'], {cwd: t.root})
    expect(text.code).toBe(2)
    expect(text.stderr).toContain('[unknown_command]')
    expect(text.stderr).toContain('breyta runs list')
  })

  it('a missing argument is named, a bad flag value is given in full (invalid_input, exit 2)', async () => {
    const missing = await run('runs', 'show')
    expect(missing.code).toBe(2)
    expect(missing.json).toEqual({
      ok: false,
      error: {code: 'invalid_input', message: 'missing required argument: RUN (Run id)', hint: 'See `breyta runs show --help`.', details: null},
    })
    const bad = await run('runs', 'list', '--limit', 'abc')
    expect(bad.code).toBe(2)
    expect(bad.json.error).toMatchObject({code: 'invalid_input', message: 'Parsing --limit: Expected an integer but received: abc'})
  })
})

describe('help is data for agents', () => {
  it('`help --json` lists the commands; `help flows run --json` gives its arguments and flags; an unknown one is unknown_command', async () => {
    const all = await run('help')
    expect(all.code).toBe(0)
    expect(all.json.ok).toBe(true)
    expect(all.json.data.commands).toContainEqual({id: 'flows run', summary: expect.any(String)})
    expect(all.json.data.commands.map((c: {id: string}) => c.id)).toContain('waits approve')
    const one = await run('help', 'flows', 'run')
    expect(one.code).toBe(0)
    expect(one.json.data).toMatchObject({id: 'flows run', usage: 'breyta flows run SLUG', args: [{name: 'slug', required: true}]})
    expect(one.json.data.flags).toContainEqual(expect.objectContaining({name: 'target', type: 'option', options: ['draft', 'live']}))
    expect(one.json.data.flags).toContainEqual(expect.objectContaining({name: 'wait', type: 'boolean'}))
    const unknown = await run('help', 'flws')
    expect(unknown.code).toBe(2)
    expect(unknown.json.error).toMatchObject({code: 'unknown_command', details: {suggestions: expect.arrayContaining(['breyta flows'])}})
    const text = await cli(['help', 'flows', 'run'], {cwd: t.root})
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('USAGE')
  })
})

describe('deadlines are results', () => {
  it('`--wait --timeout 300ms` past its deadline is wait_timed_out (exit 6) with the run, which goes on', async () => {
    t.writeFlow('nap', NAP)
    const r = await run('flows', 'run', 'nap', '--wait', '--timeout', '300ms')
    expect(r.code).toBe(6)
    expect(r.json.ok).toBe(false)
    expect(r.json.error).toMatchObject({code: 'wait_timed_out', details: {run: {status: 'sleeping', flow: 'nap'}}})
    const id = r.json.error!.details.run.id as string
    expect(r.json.error!.message).toBe(`stopped waiting for run ${id} after 300ms; it is sleeping and goes on`)
    expect(r.json.error!.hint).toContain(`breyta runs watch ${id}`)
    expect((r.json as {meta?: unknown}).meta).toEqual({'next-commands': [`breyta runs watch ${id}`]})
    // The run was not touched by the deadline: it is still sleeping and completes when watched.
    expect((await run('runs', 'show', id)).json.data.status).toBe('sleeping')
  })

  it('--timeout without --wait, --timeout abc and --timeout 0 are invalid_input (exit 2)', async () => {
    t.writeFlow('nap', NAP)
    const without = await run('flows', 'run', 'nap', '--timeout', '5s')
    expect([without.code, without.json.error]).toEqual([
      2,
      {
        code: 'invalid_input',
        message: '--timeout only applies with --wait',
        hint: 'Add --wait (e.g. `--wait --timeout 5m`), or drop --timeout.',
        details: null,
      },
    ])
    const abc = await run('flows', 'run', 'nap', '--wait', '--timeout', 'abc')
    expect([abc.code, abc.json.error?.code]).toEqual([2, 'invalid_input'])
    expect(abc.json.error!.message).toContain('--timeout "abc"')
    const zero = await run('runs', 'resume', 'whatever', '--wait', '--timeout', '0')
    expect([zero.code, zero.json.error?.code, zero.json.error?.message]).toEqual([2, 'invalid_input', '--timeout "0": a duration must be longer than zero'])
    // None of them created a run.
    expect(fs.existsSync(path.join(t.root, '.breyta', 'runs')) ? fs.readdirSync(path.join(t.root, '.breyta', 'runs')) : []).toEqual([])
  })
})

describe('nothing blocks without saying why', () => {
  it('`runs watch` of a run parked on a 2 s timer, with no daemon, ends completed within 10 s', async () => {
    t.writeFlow('nap', NAP)
    const parked = await run('flows', 'run', 'nap')
    expect(parked.code).toBe(0)
    expect(parked.json.data.status).toBe('sleeping')
    const started = Date.now()
    const watched = await cli(['runs', 'watch', parked.json.data.id, '--json'], {cwd: t.root, timeoutMs: 10_000})
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(watched.code).toBe(0)
    expect(watched.json.data).toMatchObject({
      id: parked.json.data.id,
      status: 'completed',
      output: {done: true},
      stale: false,
      overdue: false,
      'blocked-by': null,
    })
    expect(watched.stderr).toContain('no daemon runs, so this watch wakes it then')
  })

  it('`runs logs --follow` without a daemon also drives the due timer to the end', async () => {
    t.writeFlow('nap', NAP)
    const parked = await run('flows', 'run', 'nap')
    // --follow --json streams: one JSON object per line as it happens, no envelope after them (docs/agents.md).
    const child = spawnCli(['runs', 'logs', parked.json.data.id, '--follow', '--json'], {cwd: t.root})
    let stdout = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.resume()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {type: string})
    expect(lines[0]!.type).toBe('run_created')
    expect(lines.at(-1)!.type).toBe('run_completed')
  })

  it('a queued singleton run returns at once without a daemon, with blocked-by; ending the blocker starts it', async () => {
    t.writeFlow('solo', GATED)
    const first = await run('flows', 'run', 'solo')
    expect(first.json.data.status).toBe('waiting')
    const firstId = first.json.data.id as string
    const second = await run('flows', 'run', 'solo')
    expect(second.code).toBe(0)
    const secondId = second.json.data.id as string
    expect(second.json.data).toMatchObject({status: 'queued', 'blocked-by': [firstId], stale: false, overdue: false})
    expect((second.json as {meta?: unknown}).meta).toEqual({'next-commands': [`breyta runs watch ${secondId}`, `breyta runs show ${firstId}`]})

    const shown = await run('runs', 'show', firstId)
    expect((shown.json as {meta?: unknown}).meta).toEqual({
      'next-commands': [`breyta waits approve ${firstId} gate`, `breyta waits reject ${firstId} gate --comment "…"`, `breyta runs watch ${firstId}`],
    })

    // The CLI that ends the blocker starts the queued run (no daemon, its starter is gone).
    const approved = await run('waits', 'approve', firstId, 'gate')
    expect(approved.code).toBe(0)
    expect(approved.json.data.status).toBe('completed')
    expect((await run('runs', 'show', secondId)).json.data).toMatchObject({status: 'waiting', 'blocked-by': null})
  })

  it('cancelling the blocker (no daemon) starts the queued run in that CLI', async () => {
    t.writeFlow('solo', GATED)
    const first = await run('flows', 'run', 'solo')
    const queued = await run('flows', 'run', 'solo')
    expect(queued.json.data).toMatchObject({status: 'queued', 'blocked-by': [first.json.data.id]})
    expect((await run('runs', 'cancel', first.json.data.id)).code).toBe(0)
    expect((await run('runs', 'show', queued.json.data.id)).json.data).toMatchObject({status: 'waiting', 'blocked-by': null})
  })

  it('`flows run --wait` of a queued run waits, saying so on stderr', async () => {
    t.writeFlow('solo', GATED)
    const first = await run('flows', 'run', 'solo')
    const child = spawnCli(['flows', 'run', 'solo', '--wait', '--json'], {cwd: t.root})
    let err = ''
    let out = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.on('data', (d) => (out += d))
    const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)))
    await until(() => err.includes(`Queued behind ${first.json.data.id}`), 15_000)
    expect((await run('waits', 'approve', first.json.data.id, 'gate')).code).toBe(0)
    // Now the waiting CLI has the slot and parks on its own approval; approve it too.
    const second = await until(async () => {
      const l = await run('waits', 'list')
      return l.json.data.items.find((w: {run: string}) => w.run !== first.json.data.id)?.run as string | undefined
    }, 15_000)
    expect((await run('waits', 'approve', second, 'gate')).code).toBe(0)
    expect(await exited).toBe(0)
    expect(JSON.parse(out).data).toMatchObject({id: second, status: 'completed'})
  })
})

describe('state tells the truth', () => {
  it('a cancelled run closes its open wait; a second decision exits 4 carrying the first', async () => {
    t.writeFlow('solo', GATED)
    const a = await run('flows', 'run', 'solo')
    const id = a.json.data.id as string
    expect((await run('waits', 'approve', id, 'gate', '--by', 'alice', '--comment', 'ok')).code).toBe(0)
    const again = await run('waits', 'reject', id, 'gate', '--by', 'bob')
    expect(again.code).toBe(4)
    expect(again.json.error).toMatchObject({
      code: 'wait_already_completed',
      details: {run: id, key: 'gate', decision: 'approved', by: 'alice', comment: 'ok', at: expect.any(String)},
    })

    const b = await run('flows', 'run', 'solo')
    const cancelled = await run('runs', 'cancel', b.json.data.id)
    expect(cancelled.json.data.status).toBe('cancelled')
    expect(cancelled.json.data.waits).toMatchObject([{key: 'gate', status: 'cancelled'}])
    const late = await run('waits', 'approve', b.json.data.id, 'gate')
    expect([late.code, late.json.error?.code]).toEqual([4, 'run_not_active'])
  })

  it('a run whose CLI was killed shows stale with `runs resume` as the next command; watch ends at once', async () => {
    t.writeFlow('slow', `{:slug :slow :name "Slow" :flow (flow/step :exec :work {:command ["sleep" "30"]})}`)
    const child = spawnCli(['flows', 'run', 'slow', '--json'], {cwd: t.root})
    const exited = new Promise((resolve) => child.on('exit', resolve))
    const id = await until(() => {
      const dir = path.join(t.root, '.breyta', 'runs')
      const ids = fs.existsSync(dir) ? fs.readdirSync(dir) : []
      const j = ids[0] && path.join(dir, ids[0], 'events.jsonl')
      return j && fs.existsSync(j) && fs.readFileSync(j, 'utf8').includes('step_started') ? ids[0] : undefined
    }, 15_000)
    child.kill('SIGKILL')
    await exited
    const shown = await run('runs', 'show', id)
    expect(shown.json.data).toMatchObject({status: 'running', stale: true, overdue: false})
    expect((shown.json as {meta?: unknown}).meta).toEqual({'next-commands': [`breyta runs resume ${id}`]})
    const watched = await run('runs', 'watch', id)
    expect(watched.code).toBe(4)
    expect(watched.json.error?.code).toBe('run_not_active')
    expect((watched.json as {meta?: unknown}).meta).toEqual({'next-commands': [`breyta runs resume ${id}`]})
    // The step's process group outlived the CLI; cancel stops it.
    await run('runs', 'cancel', id)
  })

  it('a sleep that fell due with no daemon shows overdue', async () => {
    t.writeFlow('blink', `{:slug :blink :name "Blink" :flow (let [_ (flow/step :sleep :nap {:duration "300ms"})] 1)}`)
    const parked = await run('flows', 'run', 'blink')
    expect(parked.json.data.status).toBe('sleeping')
    const shown = await until(async () => {
      const s = await run('runs', 'show', parked.json.data.id)
      return s.json.data.overdue ? s : undefined
    })
    expect(shown.json.data).toMatchObject({status: 'sleeping', overdue: true, stale: false})
    expect((shown.json as {meta?: {'next-commands': string[]}}).meta?.['next-commands'][0]).toBe(`breyta runs resume ${parked.json.data.id}`)
  })
})

describe('people see the cause', () => {
  it("human `runs show` and `--steps` print a failed exec step's stderr tail; a cancelled run its reason", async () => {
    t.writeFlow(
      'fails',
      `{:slug :fails :name "Fails" :flow (flow/step :exec :build {:command ["sh" "-c" "echo compiling; echo 'error: missing semicolon' >&2; exit 2"]})}`,
    )
    const failed = await run('flows', 'run', 'fails', '--wait')
    const id = failed.json.error!.details.run as string
    const shown = await cli(['runs', 'show', id], {cwd: t.root})
    expect(shown.stdout).toContain('stderr (last lines of build):')
    expect(shown.stdout).toContain('| error: missing semicolon')
    const steps = await cli(['runs', 'show', id, '--steps'], {cwd: t.root})
    expect(steps.stdout).toContain('| error: missing semicolon')

    t.writeFlow('solo', GATED)
    const parked = await run('flows', 'run', 'solo')
    await run('runs', 'cancel', parked.json.data.id)
    const cancelled = await cli(['runs', 'show', parked.json.data.id], {cwd: t.root})
    expect(cancelled.stdout).toContain('reason cancelled by request')
    expect(cancelled.stdout).not.toContain('breyta waits approve')
  })
})
