/**
 * The same end-to-end behaviours on both stores (issue 16: one matrix, not two copies): files
 * under .breyta/ (the default) and PostgreSQL (config.edn `{:store {:type :postgres :url-secret
 * :team-db}}`, the URL in BREYTA_SECRET_TEAM_DB). Everything goes through the built CLI and a real
 * daemon, as an agent would drive it: run → wait → callback → complete; step retry and `runs
 * retry`; cancel; kv from the CLI and from a step; resources; a singleton queue. The postgres row
 * is skipped with a reason when no PostgreSQL is available (BREYTA_TEST_PG_URL). Last, between
 * the stores: a run parked on files is exported, imported into PostgreSQL and finished there.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {dropSchema, freshSchema, PG_SKIP, PG_URL, selectPostgres, teamEnv} from '../helpers/team.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

interface Backing {
  /** Make the checkout use this store; returns the env its processes need. */
  setup(root: string): NodeJS.ProcessEnv
  teardown(): Promise<void>
  /** Where a run's state must (and must not) be. */
  runFilesExpected: boolean
}

const files: Backing = {setup: () => ({}), teardown: async () => {}, runFilesExpected: true}

function postgres(): Backing {
  const schemas: string[] = []
  return {
    setup(root) {
      const schema = freshSchema('m')
      schemas.push(schema)
      selectPostgres(root, {schema, lease: '2s'})
      return teamEnv()
    },
    async teardown() {
      for (const s of schemas.splice(0)) await dropSchema(s)
    },
    runFilesExpected: false,
  }
}

const BACKINGS: [string, Backing | string][] = [
  ['files', files],
  ['postgres', PG_URL ? postgres() : PG_SKIP],
]

describe.each(BACKINGS)('on the %s store', (name, backing) => {
  if (typeof backing === 'string') {
    it.skip(`skipped: ${backing}`, () => {})
    return
  }
  let t: TempWorkspace
  let env: NodeJS.ProcessEnv
  const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root, env, timeoutMs: 60_000})
  const show = async (id: string) => (await run('runs', 'show', id)).json.data

  beforeEach(async () => {
    t = await tempWorkspace(`breyta-matrix-${name}-`)
    env = backing.setup(t.root)
  })
  afterEach(async () => {
    await killDaemons()
    t.cleanup()
    await backing.teardown()
  })

  /** Run state lives in the store: files only for the files store, none at all for postgres. */
  const expectRunFiles = (id: string) => expect(fs.existsSync(path.join(t.root, '.breyta', 'runs', id))).toBe(backing.runFilesExpected)

  it('run → wait → callback to the daemon → complete', async () => {
    t.writeFlow(
      'approve',
      `{:slug :approve :name "approve"
 :flow (let [r (flow/step :wait :review {:key "review" :timeout "5m"})]
         {:verdict (:verdict r)})}
`,
    )
    const d = await spawnDaemon(t.root, {env})
    const started = await run('flows', 'run', 'approve')
    expect(started.code, started.stderr).toBe(0)
    const id = started.json.data.id as string
    const wait = await until(
      async () => {
        const items = (await run('waits', 'list', '--run', id)).json.data.items as {key: string; 'callback-url': string}[]
        return items.find((w) => w.key === 'review')
      },
      30_000,
      100,
    )
    const u = new URL(wait['callback-url'])
    const res = await fetch(`${d.url}${u.pathname}${u.search}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{"verdict": "ship"}'})
    expect(res.status).toBe(202)
    const again = await fetch(`${d.url}${u.pathname}${u.search}`, {method: 'POST', body: '{}'})
    expect(again.status).toBe(409)
    const done = await until(
      async () => {
        const v = await show(id)
        return v.status === 'completed' ? v : undefined
      },
      30_000,
      100,
    )
    expect(done.output).toEqual({verdict: 'ship'})
    expectRunFiles(id)
  }, 90_000)

  it('a step retried until it succeeds; `runs retry` of a failed run', async () => {
    let hits = 0
    const server = http.createServer((req, res) => {
      hits++
      res.writeHead(hits < 3 ? 503 : 200, {'content-type': 'application/json'}).end(`{"hit": ${hits}}`)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as {port: number}).port}`
    try {
      t.writeFlow(
        'flaky',
        `{:slug :flaky :name "flaky"
 :flow (flow/step :http :call {:url "${url}/x" :retry {:max-attempts 3 :backoff "100ms"}})}
`,
      )
      const ok = await run('flows', 'run', 'flaky', '--wait')
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.json.data.status).toBe('completed')
      expect((await show(ok.json.data.id)).steps[0]).toMatchObject({id: 'call', status: 'completed', attempts: 3, output: {body: {hit: 3}}})

      t.writeFlow(
        'once',
        `{:slug :once :name "once"
 :flow (flow/step :http :call {:url "${url}/y"})}
`,
      )
      hits = 0
      const failed = await run('flows', 'run', 'once', '--wait')
      expect(failed.code).toBe(5)
      expect(failed.json.error.code).toBe('run_failed')
      const failedId = failed.json.error.details.run as string
      hits = 5
      const retried = await run('runs', 'retry', failedId, '--wait')
      expect(retried.code, retried.stderr).toBe(0)
      expect(retried.json.data).toMatchObject({status: 'completed', output: {status: 200}})
      expect(retried.json.data.id).not.toBe(failedId)
      expectRunFiles(retried.json.data.id)
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  }, 90_000)

  it('cancel a waiting run; its wait can no longer be completed', async () => {
    t.writeFlow('parked', `{:slug :parked :name "parked" :flow (flow/step :wait :gate {:key "gate"})}`)
    const started = await run('flows', 'run', 'parked')
    expect(started.json.data.status).toBe('waiting')
    const id = started.json.data.id as string
    const cancelled = await run('runs', 'cancel', id)
    expect(cancelled.code, cancelled.stderr).toBe(0)
    expect((await show(id)).status).toBe('cancelled')
    const late = await run('waits', 'complete', id, 'gate')
    expect(late.code).toBe(4)
    expect(late.json.error.code).toBe('run_not_active')
  }, 60_000)

  it('kv: set from the CLI, incremented by a step, read back from the CLI', async () => {
    expect((await run('kv', 'set', 'hits', '40', '--namespace', 'counter')).code).toBe(0)
    t.writeFlow(
      'counter',
      `{:slug :counter :name "counter"
 :flow (let [a (flow/step :kv :bump {:op :incr :key "hits"})
             b (flow/step :kv :bump2 {:op :incr :key "hits"})]
         {:a a :b b})}
`,
    )
    const r = await run('flows', 'run', 'counter', '--wait')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.output).toEqual({a: 41, b: 42})
    const got = await run('kv', 'get', 'hits', '--namespace', 'counter')
    expect(got.json.data).toMatchObject({key: 'hits', namespace: 'counter', value: 42})
    const listed = await run('kv', 'list', '--namespace', 'counter')
    expect(listed.json.data.items.map((e: {key: string}) => e.key)).toEqual(['hits'])
    expect((await run('kv', 'delete', 'hits', '--namespace', 'counter')).code).toBe(0)
    expect((await run('kv', 'get', 'hits', '--namespace', 'counter')).code).toBe(3)
  }, 60_000)

  it('resources: a persisted step output is listed and read back byte for byte', async () => {
    t.writeFlow(
      'report',
      `{:slug :report :name "report"
 :flow (flow/step :function :render {:code "(fn [n] {:lines (vec (map (fn [i] (str \\"line \\" i)) (range n)))})" :input 50 :persist true})}
`,
    )
    const r = await run('flows', 'run', 'report', '--wait')
    expect(r.code, r.stderr).toBe(0)
    const id = r.json.data.id as string
    const ref = r.json.data.output as {ref: string; size: number; 'content-type': string}
    expect(ref).toMatchObject({ref: `res://${id}/render`, 'content-type': 'application/edn'})
    const listed = await run('resources', 'list', '--run', id)
    expect(listed.json.data.items).toHaveLength(1)
    expect(listed.json.data.items[0]).toMatchObject({uri: ref.ref, size: ref.size})
    const out = path.join(t.root, 'out.json')
    expect((await run('resources', 'get', ref.ref, '--out', out)).code).toBe(0)
    const content = fs.readFileSync(out, 'utf8')
    expect(content.startsWith('{:lines ["line 0" "line 1"')).toBe(true)
    expect(content).toContain('"line 49"]')
    expect(Buffer.byteLength(content)).toBe(ref.size)
  }, 60_000)

  it('singleton :queue with a daemon: the second run waits for the first, then runs', async () => {
    t.writeFlow(
      'solo',
      `{:slug :solo :name "solo"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (flow/step :wait :gate {:key "gate"})}
`,
    )
    await spawnDaemon(t.root, {env})
    const a = (await run('flows', 'run', 'solo')).json.data.id as string
    await until(async () => (await show(a)).status === 'waiting', 30_000, 100)
    const second = await run('flows', 'run', 'solo')
    const b = second.json.data.id as string
    expect((await show(b)).status).toBe('queued')
    // Finish the first from another process: the daemon admits the second.
    expect((await run('waits', 'complete', a, 'gate', '--payload', '{"n": 1}')).code).toBe(0)
    await until(async () => (await show(b)).status === 'waiting', 30_000, 100)
    expect((await show(a)).status).toBe('completed')
    expect((await run('waits', 'complete', b, 'gate')).code).toBe(0)
    const done = await until(
      async () => {
        const v = await show(b)
        return v.status === 'completed' ? v : undefined
      },
      30_000,
      100,
    )
    expect(Date.parse(done['started-at'])).toBeGreaterThanOrEqual(Date.parse((await show(a))['finished-at']))
  }, 90_000)
})

describe.skipIf(!PG_URL)('between the stores (BREYTA_TEST_PG_URL)', () => {
  const pgBacking = PG_URL ? postgres() : undefined
  let laptop: TempWorkspace
  let team: TempWorkspace
  afterEach(async () => {
    laptop?.cleanup()
    team?.cleanup()
    await pgBacking?.teardown()
  })

  it('a run parked on the files store is exported, imported into PostgreSQL and finished there', async () => {
    laptop = await tempWorkspace('breyta-matrix-laptop-')
    team = await tempWorkspace('breyta-matrix-team-')
    const teamEnvVars = pgBacking!.setup(team.root)
    const flow = `{:slug :handover :name "handover"
 :flow (let [a (flow/step :function :prepare {:code "(fn [x] {:doubled (* 2 x)})" :input 21 :persist true})
             w (flow/step :wait :go {:key "go"})]
         {:a a :go (:ok w)})}
`
    laptop.writeFlow('handover', flow)
    const onLaptop = (...args: string[]) => cli([...args, '--json'], {cwd: laptop.root, timeoutMs: 60_000})
    const onTeam = (...args: string[]) => cli([...args, '--json'], {cwd: team.root, env: teamEnvVars, timeoutMs: 60_000})
    const started = await onLaptop('flows', 'run', 'handover')
    expect(started.json.data.status).toBe('waiting')
    const id = started.json.data.id as string
    const file = path.join(laptop.root, 'run.json')
    expect((await onLaptop('runs', 'export', id, '--out', file)).code).toBe(0)
    expect((await onLaptop('runs', 'cancel', id)).code).toBe(0)

    const imported = await onTeam('runs', 'import', file)
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.json.data).toMatchObject({id, status: 'waiting'})
    expect((await onTeam('runs', 'import', file)).json.error.code).toBe('invalid_input')
    // The team checkout has no flow file: the store's pinned copy carries the run on.
    expect((await onTeam('waits', 'complete', id, 'go', '--payload', '{"ok": true}')).code).toBe(0)
    const done = await until(
      async () => {
        const v = (await onTeam('runs', 'show', id)).json.data
        return v.status === 'completed' ? v : undefined
      },
      30_000,
      100,
    )
    expect(done.output).toEqual({a: {ref: `res://${id}/prepare`, size: expect.any(Number), 'content-type': 'application/edn'}, go: true})
    const res = await onTeam('resources', 'list', '--run', id)
    expect(res.json.data.items.map((r: {uri: string}) => r.uri)).toEqual([`res://${id}/prepare`])
    const [fromLaptop, fromTeam] = [path.join(laptop.root, 'a.edn'), path.join(team.root, 'a.edn')]
    expect((await onLaptop('resources', 'get', `res://${id}/prepare`, '--out', fromLaptop)).code).toBe(0)
    expect((await onTeam('resources', 'get', `res://${id}/prepare`, '--out', fromTeam)).code).toBe(0)
    expect(fs.readFileSync(fromTeam, 'utf8')).toBe(fs.readFileSync(fromLaptop, 'utf8'))
    expect(fs.readFileSync(fromTeam, 'utf8')).toBe('{:doubled 42}')
    expect(fs.existsSync(path.join(team.root, '.breyta', 'runs', id))).toBe(false)
    expect((await onLaptop('runs', 'show', id)).json.data.status).toBe('cancelled')
  }, 90_000)
})
