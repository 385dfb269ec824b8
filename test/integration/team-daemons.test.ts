/**
 * Team mode with real daemons: two checkouts (as two machines) share one PostgreSQL store, each
 * with its own daemon (`bin/run.js daemon start`). Runs complete whichever daemon takes them; a
 * callback sent to the daemon that did not start the run is accepted there; kill -9 of a daemon
 * mid-run hands its runs to the other, and a daemon stopped (SIGSTOP) past its lease is fenced
 * out when it wakes. Side effects are counted in a file the :exec steps append to: no step that
 * the journal shows completed ever runs again.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import pg from 'pg'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {createRun, releaseFlow, type Workspace} from '../../src/engine/index.js'
import type {JournalEvent} from '../../src/engine/journal/events.js'
import {tickRunId} from '../../src/engine/daemon/schedules.js'
import {callbackUrl} from '../../src/engine/workspace/callback-url.js'
import {decodeTime} from 'ulid'
import {killDaemons, spawnDaemon, type DaemonProcess} from '../helpers/daemon.js'
import {teamCheckout, teamStore, type TeamStore} from '../helpers/team.js'
import {sleep, until, type TempWorkspace} from '../helpers/workspace.js'

const PG_URL = process.env.BREYTA_TEST_PG_URL

const append = (log: string, step: string, before = '') => `{:command ["sh" "-c" "${before}echo \\"$BREYTA_RUN_ID ${step}\\" >> ${log}"]}`

async function events(ws: Workspace, runId: string): Promise<JournalEvent[]> {
  return (await ws.store.journals.read(runId)).events
}

async function status(ws: Workspace, runId: string): Promise<string | undefined> {
  return (await ws.store.runs.readSnapshot(runId))?.status
}

/** Side effects per "run step" line of the log. */
function executions(log: string): Map<string, number> {
  const out = new Map<string, number>()
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''
  for (const line of text.split('\n').filter(Boolean)) out.set(line, (out.get(line) ?? 0) + 1)
  return out
}

/** Every step completed once, nothing started after it completed, and it ran at most once per recorded start. */
function expectEachStepOnce(runId: string, evs: JournalEvent[], steps: string[], ran: Map<string, number>, sideEffects = steps): void {
  expect(
    evs.map((e) => e.seq),
    runId,
  ).toEqual(evs.map((_, i) => i + 1))
  for (const step of steps) {
    const starts = evs.filter((e) => e.type === 'step_started' && e.step === step)
    const done = evs.filter((e) => e.type === 'step_completed' && e.step === step)
    expect(done, `${runId} ${step}`).toHaveLength(1)
    expect(
      starts.every((s) => s.seq < done[0]!.seq),
      `${runId} ${step} started again after it completed`,
    ).toBe(true)
    if (!sideEffects.includes(step)) continue
    const n = ran.get(`${runId} ${step}`) ?? 0
    expect(n, `${runId} ${step}`).toBeGreaterThanOrEqual(1)
    expect(n, `${runId} ${step}`).toBeLessThanOrEqual(starts.length)
  }
  expect(
    evs.filter((e) => e.type === 'run_completed'),
    runId,
  ).toHaveLength(1)
}

/** pids of the daemons that started or resumed the run. */
function advancers(evs: JournalEvent[]): number[] {
  return evs.filter((e) => e.type === 'run_started' || e.type === 'run_resumed').map((e) => (e as {pid: number}).pid)
}

describe.skipIf(!PG_URL)('two daemons on one PostgreSQL store (BREYTA_TEST_PG_URL)', () => {
  let store: TeamStore
  const checkouts: TempWorkspace[] = []
  let log: string

  beforeAll(() => {
    store = teamStore(PG_URL!)
  })
  afterEach(async () => {
    await killDaemons()
    for (const c of checkouts.splice(0)) c.cleanup()
  })
  afterAll(async () => {
    await store.drop()
  })

  async function machines(flows: Record<string, string>): Promise<[TempWorkspace, TempWorkspace]> {
    const a = await teamCheckout(store)
    const b = await teamCheckout(store)
    checkouts.push(a, b)
    log = path.join(a.root, 'executions.log')
    for (const [slug, text] of Object.entries(flows)) a.writeFlow(slug, text)
    return [a, b]
  }

  it('runs complete on either daemon; a callback sent to the daemon that did not start the run is accepted there', async () => {
    const [a, b] = await machines({})
    a.writeFlow(
      'handoff',
      `{:slug :handoff :name "handoff"
 :flow (let [x (flow/step :exec :a ${append(log, 'a')})
             ok (flow/step :wait :go {:key "go"})
             y (flow/step :exec :b ${append(log, 'b')})]
         {:by (:by ok)})}`,
    )
    const da = await spawnDaemon(a.root)
    const db = await spawnDaemon(b.root)
    const url = new Map<number, string>([
      [da.pid, da.url],
      [db.pid, db.url],
    ])
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push((await createRun(a.ws, {slug: 'handoff'})).id)
    await until(async () => (await Promise.all(ids.map((id) => status(a.ws, id)))).every((s) => s === 'waiting'), 30_000, 50)

    // The key is the store's: a token minted for one daemon is valid on every other.
    const key = await b.ws.store.callbackKey()
    for (const id of ids) {
      const starter = advancers(await events(a.ws, id))[0]!
      const other = starter === da.pid ? db : da
      expect(url.has(starter), `${id} started by a daemon of this test`).toBe(true)
      const res = await fetch(callbackUrl(other.url, key, id, 'go'), {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({by: `via ${other.pid}`}),
      })
      expect(res.status, `${id} callback to the other daemon`).toBe(202)
    }
    await until(async () => (await Promise.all(ids.map((id) => status(a.ws, id)))).every((s) => s === 'completed'), 30_000, 50)

    const ran = executions(log)
    const pids = new Set<number>()
    for (const id of ids) {
      const evs = await events(b.ws, id)
      expectEachStepOnce(id, evs, ['a', 'go', 'b'], ran, ['a', 'b'])
      for (const p of advancers(evs)) pids.add(p)
      expect((await b.ws.store.runs.readSnapshot(id))!.output).toMatchObject({by: expect.stringMatching(/^via \d+$/)})
    }
    // Both daemons advanced runs (each callback's daemon took its run on).
    expect([...pids].sort()).toEqual([da.pid, db.pid].sort())
    // Nothing of the runs is written under either checkout.
    for (const c of [a, b]) expect(fs.readdirSync(path.join(c.root, '.breyta', 'runs')).filter((n) => !n.startsWith('.'))).toEqual([])
  }, 90_000)

  it('kill -9 of a daemon mid-run: the other finishes its runs; no completed step runs again', async () => {
    const [a, b] = await machines({})
    a.writeFlow(
      'slow',
      `{:slug :slow :name "slow"
 :flow (let [x (flow/step :exec :a ${append(log, 'a')})
             y (flow/step :exec :b ${append(log, 'b', 'sleep 1; ')})
             z (flow/step :exec :c ${append(log, 'c')})]
         {:done true})}`,
    )
    const da = await spawnDaemon(a.root)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await createRun(a.ws, {slug: 'slow'})).id)
    // Every run is on daemon A, inside step b (a done, its side effect written).
    await until(
      async () => {
        for (const id of ids) if (!(await events(a.ws, id)).some((e) => e.type === 'step_started' && e.step === 'b')) return false
        return true
      },
      30_000,
      20,
    )
    const db = await spawnDaemon(b.root)
    const killedAt = Date.now()
    await da.kill9()
    await until(async () => (await Promise.all(ids.map((id) => status(b.ws, id)))).every((s) => s === 'completed'), 30_000, 50)
    const tookMs = Date.now() - killedAt

    const ran = executions(log)
    for (const id of ids) {
      const evs = await events(b.ws, id)
      expectEachStepOnce(id, evs, ['a', 'b', 'c'], ran)
      expect(advancers(evs)).toEqual([da.pid, db.pid])
      // a completed on A before the kill: B replayed it, never ran it.
      expect(ran.get(`${id} a`)).toBe(1)
    }
    // Same host: the dead holder's leases are free at once; well within lease + sweep anyway.
    expect(tookMs).toBeLessThan(15_000)
    await db.stop()
  }, 90_000)

  it('a daemon frozen past its lease loses its runs to the other and, woken, writes nothing more to them', async () => {
    const [a, b] = await machines({})
    a.writeFlow(
      'slow',
      `{:slug :slow :name "slow"
 :flow (let [x (flow/step :exec :a ${append(log, 'a')})
             y (flow/step :exec :b ${append(log, 'b', 'sleep 1; ')})
             z (flow/step :exec :c ${append(log, 'c')})]
         {:done true})}`,
    )
    const da = await spawnDaemon(a.root)
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await createRun(a.ws, {slug: 'slow'})).id)
    await until(
      async () => {
        for (const id of ids) if (!(await events(a.ws, id)).some((e) => e.type === 'step_started' && e.step === 'b')) return false
        return true
      },
      30_000,
      20,
    )
    const db = await spawnDaemon(b.root)
    // Alive but silent: its leases are not renewed, and its pid is alive, so only expiry frees them.
    da.child.kill('SIGSTOP')
    const stoppedAt = Date.now()
    try {
      await until(async () => (await Promise.all(ids.map((id) => status(b.ws, id)))).every((s) => s === 'completed'), 30_000, 50)
    } finally {
      da.child.kill('SIGCONT')
    }
    // Not before the 2 s lease ran out.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(2000)
    const before = new Map<string, number>()
    for (const id of ids) before.set(id, (await events(b.ws, id)).length)
    // A wakes: its step b finished meanwhile, and its append is refused by the journal's fence.
    await until(() => (da.stderr().match(/run taken over by another daemon/g) ?? []).length === ids.length, 15_000, 50)
    await da.stop()

    const ran = executions(log)
    for (const id of ids) {
      const evs = await events(b.ws, id)
      expect(evs.length, `${id}: nothing written after B finished it`).toBe(before.get(id))
      expectEachStepOnce(id, evs, ['a', 'b', 'c'], ran)
      expect(advancers(evs)).toEqual([da.pid, db.pid])
    }
    await db.stop()
  }, 90_000)

  it('across both daemons: each schedule tick fires once, a webhook replay sent to the other daemon starts nothing, a singleton never overlaps', async () => {
    const [a, b] = await machines({})
    const spans = path.join(a.root, 'spans.log')
    a.writeFlow(
      'tick',
      `{:slug :tick :name "tick"
 :triggers [{:type :schedule :cron "* * * * * *" :input {:from "cron"}}]
 :flow (flow/input)}`,
    )
    a.writeFlow(
      'hook',
      `{:slug :hook :name "hook"
 :triggers [{:type :webhook :secret :hook-secret}]
 :flow (flow/step :function :echo {:code "(fn [x] {:pr (:pr x)})" :input (flow/input)})}`,
    )
    a.writeFlow(
      'single',
      `{:slug :single :name "single"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (flow/step :exec :work {:command ["sh" "-c" "echo \\"$BREYTA_RUN_ID start $(date +%s%N)\\" >> ${spans}; sleep 0.2; echo \\"$BREYTA_RUN_ID end $(date +%s%N)\\" >> ${spans}"]})}`,
    )
    for (const slug of ['tick', 'hook']) await releaseFlow(a.ws, slug)
    // Releases are files in git: the other checkout has them too.
    fs.cpSync(path.join(a.root, '.breyta', 'releases'), path.join(b.root, '.breyta', 'releases'), {recursive: true})
    const secret = 'team-hook-secret'
    const env = {BREYTA_SECRET_HOOK_SECRET: secret}
    const da = await spawnDaemon(a.root, {env})
    const db = await spawnDaemon(b.root, {env})

    // Webhooks: a delivery id and a signature seen by one daemon are replays on the other.
    const post = (d: DaemonProcess, body: string, headers: Record<string, string>) =>
      fetch(`${d.url}/webhooks/hook`, {method: 'POST', body, headers: {'content-type': 'application/json', ...headers}}).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as {run: string; repeat?: boolean},
      }))
    const bearer = {authorization: `Bearer ${secret}`, 'x-breyta-delivery': 'team-d-1'}
    const first = await post(da, '{"pr": 1}', bearer)
    expect(first.status).toBe(202)
    expect(await post(db, '{"pr": 1}', bearer)).toMatchObject({status: 200, body: {run: first.body.run, repeat: true}})
    const ts = String(Math.floor(Date.now() / 1000))
    const signed = {'x-breyta-signature': `sha256=${crypto.createHmac('sha256', secret).update(`${ts}.{"pr": 2}`).digest('hex')}`, 'x-breyta-timestamp': ts}
    const both = await Promise.all([post(da, '{"pr": 2}', signed), post(db, '{"pr": 2}', signed)])
    expect(both.map((r) => r.status).sort()).toEqual([200, 202])
    expect(both[0]!.body.run).toBe(both[1]!.body.run)

    // A singleton flow: runs queued behind each other, taken by whichever daemon admits them.
    const singles: string[] = []
    for (let i = 0; i < 6; i++) singles.push((await createRun(a.ws, {slug: 'single'})).id)
    await until(async () => (await Promise.all(singles.map((id) => status(a.ws, id)))).every((st) => st === 'completed'), 30_000, 50)
    const marks = fs
      .readFileSync(spans, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
    const intervals = singles.map((id) => {
      const start = marks.filter((m) => m[0] === id && m[1] === 'start')
      const end = marks.filter((m) => m[0] === id && m[1] === 'end')
      expect(start, id).toHaveLength(1)
      expect(end, id).toHaveLength(1)
      return [BigInt(start[0]![2]!), BigInt(end[0]![2]!)] as const
    })
    intervals.sort((x, y) => (x[0] < y[0] ? -1 : 1))
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]![0] >= intervals[i - 1]![1], `singleton runs ${i - 1} and ${i} overlap`).toBe(true)

    // Schedules: by now several ticks went by with both daemons up; one run per tick.
    await sleep(1500)
    await Promise.all([da.stop(), db.stop()])
    // In team mode a tick's run is named by the tick (its ULID time is the tick's).
    const ticks: string[] = []
    for (const id of await a.ws.store.runs.listIds()) {
      const v = await a.ws.store.runs.readSnapshot(id)
      if (v?.flow === 'tick') ticks.push(new Date(decodeTime(id)).toISOString())
    }
    expect(ticks.length).toBeGreaterThanOrEqual(3)
    expect(new Set(ticks).size, `ticks: ${ticks.join(', ')}`).toBe(ticks.length)
    for (const t of ticks) expect(t.endsWith('.000Z'), t).toBe(true)
  }, 90_000)

  it('a tick claimed by a daemon that died before creating its run is started by another daemon after the lease, once', async () => {
    const [a] = await machines({})
    a.writeFlow(
      'tock',
      `{:slug :tock :name "tock"
 :triggers [{:type :schedule :cron "* * * * * *"}]
 :flow (flow/input)}`,
    )
    await releaseFlow(a.ws, 'tock')
    // The daemon is up first, so every lost tick falls due while it runs (started after a tick,
    // it would only catch up the latest one); then the dead daemon's claims of the next three
    // ticks, made well before they fall due, with nothing created.
    const d = await spawnDaemon(a.root)
    const trigger = '0|* * * * * *|'
    const first = Math.ceil(Date.now() / 1000) * 1000 + 3000
    const lost = [0, 1, 2].map((i) => new Date(first + i * 1000))
    for (const t of lost) expect(await a.ws.store.schedules.claim('tock', trigger, t.toISOString())).toBe(true)
    expect(Date.now(), 'the claims were made before the first lost tick fell due').toBeLessThan(first)
    const ids = lost.map((t) => tickRunId('tock', trigger, t))
    await until(async () => (await Promise.all(ids.map((id) => a.ws.store.runs.exists(id)))).every(Boolean), 20_000, 50)
    // Each lost tick started after the 2 s lease had passed since it was due, not at once.
    for (const [i, id] of ids.entries()) {
      const created = Date.parse((await a.ws.store.runs.readSnapshot(id))!['created-at'])
      expect(created - lost[i]!.getTime(), id).toBeGreaterThanOrEqual(2000)
    }
    await sleep(1200)
    await d.stop()
    const ticks: number[] = []
    for (const id of await a.ws.store.runs.listIds()) if ((await a.ws.store.runs.readSnapshot(id))?.flow === 'tock') ticks.push(decodeTime(id))
    expect(new Set(ticks).size).toBe(ticks.length)
    for (const t of lost) expect(ticks).toContain(t.getTime())
  }, 60_000)

  it('a webhook delivery claimed by a daemon that died before starting its run is started when it is sent again', async () => {
    const [a] = await machines({})
    a.writeFlow(
      'hook',
      `{:slug :hook :name "hook"
 :triggers [{:type :webhook :secret :hook-secret}]
 :flow (flow/step :function :echo {:code "(fn [x] {:pr (:pr x)})" :input (flow/input)})}`,
    )
    await releaseFlow(a.ws, 'hook')
    // The dead daemon's claims: one a minute old (abandoned), one just made (its run may still be starting).
    const ttl = 24 * 60 * 60 * 1000
    const c = new pg.Client({connectionString: PG_URL})
    await c.connect()
    try {
      await c.query(`INSERT INTO "${store.schema}".webhook_deliveries (id, run, until_ms) VALUES ($1, $2, $3), ($4, $5, $6)`, [
        'delivery:hook:old',
        '01M8MN00000000000000000000',
        Date.now() - 60_000 + ttl,
        'delivery:hook:new',
        '01M8MN00000000000000000001',
        Date.now() + ttl,
      ])
    } finally {
      await c.end()
    }
    const secret = 'team-hook-secret'
    const d = await spawnDaemon(a.root, {env: {BREYTA_SECRET_HOOK_SECRET: secret}})
    const post = (delivery: string) =>
      fetch(`${d.url}/webhooks/hook`, {
        method: 'POST',
        body: '{"pr": 7}',
        headers: {'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-breyta-delivery': delivery},
      }).then(async (r) => ({status: r.status, body: (await r.json()) as {run: string}}))
    const old = await post('old')
    expect(old.status).toBe(202)
    expect(await a.ws.store.runs.exists(old.body.run)).toBe(true)
    expect(await post('old')).toMatchObject({status: 200, body: {run: old.body.run}})
    expect(await post('new')).toMatchObject({status: 200, body: {run: '01M8MN00000000000000000001'}})
    await d.stop()
  }, 60_000)

  it('a daemon frozen mid-step stops that step when it wakes to a lost lease (its HTTP request is closed unanswered) and writes nothing', async () => {
    const [a, b] = await machines({})
    // Requests are held open; the second one (the daemon that took over) is answered.
    const requests: {closed: boolean; answered: boolean}[] = []
    const server = http.createServer((req, res) => {
      const r = {closed: false, answered: false}
      requests.push(r)
      res.on('close', () => (r.closed = true))
      req.resume()
      if (requests.length >= 2) {
        r.answered = true
        res.writeHead(200, {'content-type': 'application/json'}).end('{"ok":true}')
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charge`
      a.writeFlow('call', `{:slug :call :name "call" :flow (flow/step :http :charge {:url "${url}" :method :post :json {:n 1}})}`)
      const da = await spawnDaemon(a.root)
      const run = (await createRun(a.ws, {slug: 'call'})).id
      await until(() => requests.length === 1, 15_000, 20)
      // Everything A wrote is in the store: waking, it has nothing to flush that could fail.
      await until(async () => (await events(a.ws, run)).some((e) => e.type === 'step_started' && e.step === 'charge'), 15_000, 20)
      const db = await spawnDaemon(b.root)
      da.child.kill('SIGSTOP')
      try {
        await until(async () => (await status(b.ws, run)) === 'completed', 20_000, 50)
      } finally {
        da.child.kill('SIGCONT')
      }
      // A's request is still open until A wakes, finds its lease gone and aborts it.
      expect(requests[0]!.answered).toBe(false)
      await until(() => requests[0]!.closed, 10_000, 20)
      await until(() => /run taken over by another daemon/.test(da.stderr()), 10_000, 20)
      const evs = await events(b.ws, run)
      expect(evs.filter((e) => e.type === 'step_completed')).toHaveLength(1)
      expect(advancers(evs)).toEqual([da.pid, db.pid])
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  }, 60_000)
})
