/**
 * Issue 2's must-shows, driven through the built CLI as an agent would (`bin/run.js --json`).
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {readPinnedFlow} from '../../src/engine/store/fs/run-store.js'
import {startIssuesServer, type IssuesServer} from '../helpers/issues-server.js'
import {cli, REPO_ROOT, sleep, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let server: IssuesServer

beforeAll(async () => {
  server = await startIssuesServer()
})
afterAll(async () => {
  await server.close()
})
beforeEach(async () => {
  t = await tempWorkspace()
})
afterEach(() => t.cleanup())

const run = (args: string[], extra: {env?: NodeJS.ProcessEnv; input?: string} = {}) => cli([...args, '--json'], {cwd: t.root, ...extra})

describe('a realistic flow end to end', () => {
  it('runs let/if/map/reduce/strings, a function ref, http, flow/map and exec, and shows every step', async () => {
    const pushed = await run(['flows', 'push', path.join(REPO_ROOT, 'test/fixtures/flows/core-tour.edn')])
    expect(pushed.code).toBe(0)
    expect(pushed.json.data).toMatchObject({slug: 'core-tour', changed: true})

    const r = await run(['flows', 'run', 'core-tour', '--wait', '--input', JSON.stringify({'base-url': server.url, repo: 'acme/app'})])
    expect(r.json.ok).toBe(true)
    expect(r.code).toBe(0)
    expect(r.json.data.status).toBe('completed')
    expect(r.json.data.output).toEqual({
      summary: 'acme/app: 3 open issues, top label bug',
      titles: ['CRASH ON START', 'SLOW LIST', 'TYPO IN DOCS'],
      points: 'many',
      details: [1, 3, 4],
      echo: 'CRASH ON START,SLOW LIST,TYPO IN DOCS',
    })

    const shown = await run(['runs', 'show', r.json.data.id])
    const view = shown.json.data
    expect(Object.keys(view)).toEqual(
      expect.arrayContaining([
        'id',
        'flow',
        'target',
        'version',
        'sha256',
        'status',
        'input',
        'output',
        'error',
        'created-at',
        'started-at',
        'finished-at',
        'steps',
        'waits',
      ]),
    )
    // The order the flow defines: steps appear as they first started, and flow/map launches its
    // items by index (detail[2] only once one of the first two, :concurrency 2, has finished).
    expect(view.steps.map((s: {id: string}) => s.id)).toEqual(['list-issues', 'top', 'detail[0]', 'detail[1]', 'detail[2]', 'echo'])
    for (const s of view.steps) {
      expect(s).toMatchObject({status: 'completed', attempts: 1})
      expect(Date.parse(s['started-at'])).toBeLessThanOrEqual(Date.parse(s['finished-at']))
      expect(s.input).not.toBeNull()
      expect(s.output).not.toBeNull()
    }
    expect(view.steps.find((s: {id: string}) => s.id === 'list-issues').input).toMatchObject({url: `${server.url}/issues`, query: {state: 'open'}})
    expect(view.steps.find((s: {id: string}) => s.id === 'top').output).toBe('bug')
    // Every http request carried its step's idempotency key <run>/<step> and its attempt number.
    const keys = server.requests.map((q) => q.headers['idempotency-key'])
    expect(keys).toContain(`${view.id}/list-issues`)
    expect(keys).toContain(`${view.id}/detail[1]`)
    expect(server.requests.every((q) => q.headers['breyta-attempt'] === '1')).toBe(true)
  })
})

describe('durability', () => {
  it('kill -9 during a sleep, then `runs resume` completes without re-running finished steps', async () => {
    const log = path.join(t.root, 'executions.log')
    t.writeFlow(
      'sleepy',
      `{:slug :sleepy :name "Sleepy"
 :flow (let [a (flow/step :exec :first {:command ["sh" "-c" "echo first >> ${log}; echo one"]})
             _ (flow/step :sleep :nap {:duration "3s"})
             b (flow/step :exec :second {:command ["sh" "-c" "echo second >> ${log}; echo two"]})]
         {:a (:stdout a) :b (:stdout b)})}`,
    )
    const child = spawnCli(['flows', 'run', 'sleepy', '--wait', '--json'], {cwd: t.root})
    const id = await until(() => {
      const runs = fs.existsSync(path.join(t.root, '.breyta/runs')) ? fs.readdirSync(path.join(t.root, '.breyta/runs')) : []
      const j = runs[0] && path.join(t.root, '.breyta/runs', runs[0], 'events.jsonl')
      // run_parked follows sleep_started; killed between the two, the run is (rightly) still
      // `running`, a process that died mid-run, so wait for the park.
      return j && fs.existsSync(j) && fs.readFileSync(j, 'utf8').includes('run_parked') ? runs[0] : undefined
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))

    const before = await run(['runs', 'show', id])
    expect(before.json.data.status).toBe('sleeping')
    const resumed = await run(['runs', 'resume', id, '--wait'])
    expect(resumed.code).toBe(0)
    expect(resumed.json.data.status).toBe('completed')
    expect(resumed.json.data.output).toEqual({a: 'one\n', b: 'two\n'})
    expect(fs.readFileSync(log, 'utf8')).toBe('first\nsecond\n')
    expect(resumed.json.data.steps.map((s: {id: string; attempts: number}) => [s.id, s.attempts])).toEqual([
      ['first', 1],
      ['nap', 1],
      ['second', 1],
    ])
  })

  it('a step killed mid-flight runs again with the next attempt; completed steps do not', async () => {
    const log = path.join(t.root, 'executions.log')
    t.writeFlow(
      'midflight',
      `{:slug :midflight :name "Mid-flight"
 :flow (let [a (flow/step :exec :first {:command ["sh" "-c" "echo first >> ${log}"]})
             b (flow/step :exec :slow {:command ["sh" "-c" "echo slow >> ${log}; sleep 2"]})]
         :done)}`,
    )
    const child = spawnCli(['flows', 'run', 'midflight', '--wait'], {cwd: t.root})
    await until(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('slow'))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const id = fs.readdirSync(path.join(t.root, '.breyta/runs'))[0]!
    const resumed = await run(['runs', 'resume', id, '--wait'])
    expect(resumed.json.data.status).toBe('completed')
    expect(fs.readFileSync(log, 'utf8')).toBe('first\nslow\nslow\n')
    expect(resumed.json.data.steps.find((s: {id: string}) => s.id === 'slow').attempts).toBe(2)
  })
})

describe('retries and failures', () => {
  it('a step that fails twice then succeeds completes with attempts 3', async () => {
    const counter = path.join(t.root, 'n')
    t.writeFlow(
      'flaky',
      `{:slug :flaky :name "Flaky"
 :flow (flow/step :exec :try {:command ["sh" "-c" "echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 3 ]"]
                              :retry {:max-attempts 5 :backoff "20ms" :factor 2}})}`,
    )
    const r = await run(['flows', 'run', 'flaky', '--wait'])
    expect(r.code).toBe(0)
    expect(r.json.data.steps[0]).toMatchObject({id: 'try', status: 'completed', attempts: 3})
  })

  it('a step that keeps failing fails the run with step_failed naming the step; --wait exits 5', async () => {
    t.writeFlow(
      'broken',
      `{:slug :broken :name "Broken"
 :flow (do (flow/step :exec :ok {:command ["true"]})
           (flow/step :exec :boom {:command ["sh" "-c" "echo bad >&2; exit 7"] :retry {:max-attempts 2 :backoff "10ms"}}))}`,
    )
    const r = await run(['flows', 'run', 'broken', '--wait'])
    expect(r.code).toBe(5)
    expect(r.json.ok).toBe(false)
    expect(r.json.error!.code).toBe('run_failed')
    expect(r.json.error!.details.step).toBe('boom')
    const shown = await run(['runs', 'show', r.json.error!.details.run])
    expect(shown.json.data.status).toBe('failed')
    expect(shown.json.data.error).toMatchObject({code: 'step_failed', step: 'boom'})
    expect(shown.json.data.steps[1]).toMatchObject({id: 'boom', status: 'failed', attempts: 2})
  })

  it('http 5xx is retried; the run records each attempt', async () => {
    server.failNext('/issues/4', 2)
    t.writeFlow(
      'http-retry',
      `{:slug :http-retry :name "HTTP retry"
 :flow (:body (flow/step :http :get {:url "${server.url}/issues/4" :retry {:max-attempts 3 :backoff "10ms"}}))}`,
    )
    const r = await run(['flows', 'run', 'http-retry', '--wait'])
    expect(r.json.data.output).toMatchObject({id: 4})
    expect(r.json.data.steps[0].attempts).toBe(3)
  })

  it('a step :timeout kills the whole process tree and fails the step', async () => {
    t.writeFlow(
      'slowpoke',
      `{:slug :slowpoke :name "Slow"
 :flow (flow/step :exec :hang {:command ["sh" "-c" "sleep 30 & sleep 30; wait"] :timeout "300ms"})}`,
    )
    const started = Date.now()
    const r = await run(['flows', 'run', 'slowpoke', '--wait'])
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(r.code).toBe(5)
    expect(r.json.error!.message).toMatch(/timed out after 300 ms/)
  })
})

describe('bad input', () => {
  it('malformed EDN: exit 2, invalid_flow with line and column, nothing written', async () => {
    const file = path.join(t.root, 'bad.edn')
    fs.writeFileSync(file, '{:slug :bad\n :name "Bad"\n :flow (let [a 1] [a 2)}\n')
    const before = fs.readdirSync(path.join(t.root, '.breyta/flows'))
    const r = await run(['flows', 'push', file])
    expect(r.code).toBe(2)
    expect(r.json.error).toMatchObject({code: 'invalid_flow'})
    expect(r.json.error!.details.problems[0]).toMatchObject({line: 3, column: 23})
    expect(r.json.error!.hint).toBeTruthy()
    expect(fs.readdirSync(path.join(t.root, '.breyta/flows'))).toEqual(before)
  })

  it('an invalid flow reports every problem at once', async () => {
    const file = path.join(t.root, 'invalid.edn')
    fs.writeFileSync(file, '{:slug :x :name 3\n :flow (do (flow/step :teleport :a {})\n           (flow/step :http :b {:url "http://x" :timeout "soon"}))}\n')
    const r = await run(['flows', 'validate', '--file', file])
    expect(r.code).toBe(2)
    const problems = r.json.error!.details.problems as {path: string; message: string; line: number; column: number}[]
    expect(problems.length).toBe(3)
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [1, 17],
      [2, 23],
      [3, 58],
    ])
    expect(problems[1]!.message).toMatch(/unknown step type :teleport/)
  })

  it('unknown run, bad flag and no workspace each get their code and exit code', async () => {
    expect((await run(['runs', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV'])).code).toBe(3)
    const badFlag = await run(['runs', 'list', '--limit', 'many'])
    expect(badFlag.code).toBe(2)
    expect(badFlag.json.error!.code).toBe('invalid_input')
    const outside = await cli(['runs', 'list', '--json'], {cwd: path.dirname(t.root), env: {BREYTA_WORKSPACE: ''}})
    expect(outside.json.error).toMatchObject({code: 'workspace_not_found'})
    expect(outside.json.error!.hint).toMatch(/breyta init/)
    expect(outside.code).toBe(1)
    const viaEnv = await cli(['runs', 'list', '--json'], {cwd: path.dirname(t.root), env: {BREYTA_WORKSPACE: t.root}})
    expect(viaEnv.json.ok).toBe(true)
  })
})

describe('runs list', () => {
  it('pages newest first with a cursor', async () => {
    t.writeFlow('noop', '{:slug :noop :name "Noop" :flow (flow/input)}')
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await run(['flows', 'run', 'noop', '--input', `{"i": ${i}}`])).json.data.id)
    const page1 = await run(['runs', 'list', '--limit', '2'])
    expect(page1.json.data.items.map((r: {id: string}) => r.id)).toEqual([ids[4], ids[3]])
    const page2 = await run(['runs', 'list', '--limit', '2', '--before', page1.json.data.next])
    expect(page2.json.data.items.map((r: {id: string}) => r.id)).toEqual([ids[2], ids[1]])
    const last = await run(['runs', 'list', '--limit', '2', '--before', page2.json.data.next])
    expect(last.json.data).toEqual({items: [expect.objectContaining({id: ids[0]})], next: null})
  })
})

describe('cancel and retry', () => {
  it('cancels a run that is executing a long step in another process', async () => {
    t.writeFlow('long', '{:slug :long :name "Long" :flow (flow/step :exec :wait {:command ["sleep" "30"]})}')
    const child = spawnCli(['flows', 'run', 'long', '--wait', '--json'], {cwd: t.root})
    // Listen now: the child may exit (it records the cancellation) before `runs cancel` returns.
    const exited = new Promise((r) => child.once('exit', r))
    const id = await until(() => {
      const dir = path.join(t.root, '.breyta/runs')
      const runs = fs.existsSync(dir) ? fs.readdirSync(dir) : []
      const journal = runs[0] && path.join(dir, runs[0], 'events.jsonl')
      return journal && fs.existsSync(journal) && fs.readFileSync(journal, 'utf8').includes('step_started') ? runs[0] : undefined
    })
    const cancelled = await run(['runs', 'cancel', id])
    expect(cancelled.json.data.status).toBe('cancelled')
    expect(await exited).toBe(5)
    expect((await run(['runs', 'cancel', id])).code).toBe(4)
  })

  it('retry --from-step reuses the outputs recorded before that step', async () => {
    const log = path.join(t.root, 'calls.log')
    t.writeFlow(
      'steps3',
      `{:slug :steps3 :name "Three"
 :flow (let [a (flow/step :exec :a {:command ["sh" "-c" "echo a >> ${log}; echo A"]})
             b (flow/step :exec :b {:command ["sh" "-c" "echo b >> ${log}; echo B"]})
             c (flow/step :exec :c {:command ["sh" "-c" "echo c >> ${log}; echo C"]})]
         (str (:stdout a) (:stdout b) (:stdout c)))}`,
    )
    const first = await run(['flows', 'run', 'steps3', '--wait'])
    expect(first.json.data.output).toBe('A\nB\nC\n')
    const again = await run(['runs', 'retry', first.json.data.id, '--from-step', 'b', '--wait'])
    expect(again.json.data).toMatchObject({status: 'completed', output: 'A\nB\nC\n', 'retry-of': first.json.data.id})
    expect(fs.readFileSync(log, 'utf8')).toBe('a\nb\nc\nb\nc\n')
  })
})

describe('nondeterminism', () => {
  it('a resumed run whose body now calls a different step fails with nondeterminism', async () => {
    t.writeFlow('nd', '{:slug :nd :name "ND" :flow (do (flow/step :function :one {:code "(fn [_] 1)"}) (flow/step :wait :w {:key "go"}) :done)}')
    const r = await run(['flows', 'run', 'nd'])
    expect(r.json.data.status).toBe('waiting')
    const pinned = path.join(t.root, '.breyta/runs', r.json.data.id, 'flow.edn')
    // A run's own flow.edn (how runs were pinned before pinned/<sha256>.edn) is read first.
    fs.writeFileSync(pinned, readPinnedFlow(t.ws.layout, r.json.data.id).replace(':one', ':uno'))
    const done = await run(['waits', 'complete', r.json.data.id, 'go'])
    expect(done.json.data.status).toBe('failed')
    const shown = await run(['runs', 'show', r.json.data.id])
    expect(shown.json.data.error.code).toBe('nondeterminism')
  })
})

describe('sleep inside --wait', () => {
  it('sleeps out a short sleep in-process', async () => {
    t.writeFlow('nap', '{:slug :nap :name "Nap" :flow (do (flow/step :sleep :nap {:duration "1s"}) :rested)}')
    const started = Date.now()
    const r = await run(['flows', 'run', 'nap', '--wait'])
    expect(r.json.data).toMatchObject({status: 'completed', output: 'rested'})
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    const parked = await run(['flows', 'run', 'nap'])
    expect(parked.json.data.status).toBe('sleeping')
    await sleep(1100)
    expect((await run(['runs', 'resume', parked.json.data.id])).json.data.status).toBe('completed')
  })
})
