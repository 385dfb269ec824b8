/**
 * Team mode's acceptance (issue 16, SPEC §9) on a real PostgreSQL: three daemon processes, each in
 * its own checkout (as on three machines), share one store. 290 runs are started by webhooks sent
 * to random daemons and a schedule fires every second for 10 s (300 runs in all): exec steps and
 * http steps whose side effects a counting server on 127.0.0.1 and a log file record per step id,
 * waits completed by callbacks POSTed to random daemons, sleeps, and a singleton flow. One daemon
 * is killed with -9 half-way. Asserted: every run completes; no completed step ran again after it
 * completed, and a step ran twice only when it was in flight on the killed daemon; the singleton
 * never overlaps; each schedule tick fires once; every callback and webhook is accepted by the
 * daemon it was sent to.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'
import {afterEach, describe, expect, it} from 'vitest'
import {releaseFlow, TERMINAL_STATUSES, type JournalEvent} from '../../src/engine/index.js'
import {projectRun} from '../../src/engine/journal/projection.js'
import {openPgStore} from '../../src/engine/store/pg/index.js'
import {killDaemons, spawnDaemon, type DaemonProcess} from '../helpers/daemon.js'
import {countingServer, flows, HOOK_SECRET, tickFlow, TICKS} from '../helpers/team-flows.js'
import {dropSchema, freshSchema, PG_SKIP, PG_URL, syncCommitted, teamCheckouts, teamEnv} from '../helpers/team.js'
import {until, type TempWorkspace} from '../helpers/workspace.js'

const LEASE = '2s'
const LEASE_MS = 2000
const AS_HOST = fileURLToPath(new URL('../helpers/as-host.cjs', import.meta.url))

/** How many runs of each webhook-started flow (290) plus the 10 schedule ticks: 300. */
const MIX = {build: 90, call: 90, nap: 90, solo: 20} as const

/** Journal and final state of every run, read from the store the daemons share. */
async function readAll(schema: string) {
  const store = await openPgStore({url: PG_URL!, schema})
  try {
    const ids = await store.runs.listIds()
    const out = new Map<string, {events: JournalEvent[]; status: string; flow: string; created: string}>()
    for (const id of ids) {
      const {events} = await store.journals.read(id)
      const first = events[0] as Extract<JournalEvent, {type: 'run_created'}>
      const last = [...events].reverse().find((e) => e.type === 'run_completed' || e.type === 'run_failed' || e.type === 'run_cancelled')
      out.set(id, {events, flow: first.flow, created: first.at, status: last?.type.replace('run_', '') ?? 'active'})
    }
    return out
  } finally {
    await store.close()
  }
}

describe.skipIf(!PG_URL)('team mode: three daemons on one PostgreSQL (BREYTA_TEST_PG_URL)', () => {
  const schema = freshSchema('team')
  let checkouts: TempWorkspace[] = []
  let counting: ReturnType<typeof countingServer> | undefined
  let tmp = ''
  afterEach(async () => {
    await killDaemons()
    await counting?.close()
    for (const c of checkouts) c.cleanup()
    if (tmp) fs.rmSync(tmp, {recursive: true, force: true})
    await dropSchema(schema)
  })

  it('300 mixed runs, one daemon kill -9’d half-way: all complete, no completed step runs again, the singleton never overlaps, each tick fires once, every callback is accepted', async () => {
    const started = Date.now()
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-team-log-'))
    const log = path.join(tmp, 'side-effects.log')
    fs.writeFileSync(log, '')

    // Daemons that may receive requests; a daemon leaves it before it is killed.
    let daemons: DaemonProcess[] = []
    const alive = new Set<DaemonProcess>()
    const inFlight = new Map<DaemonProcess, Set<Promise<unknown>>>()
    const pick = () => {
      const live = [...alive]
      return live[Math.floor(Math.random() * live.length)]!
    }
    const send = <T>(d: DaemonProcess, request: () => Promise<T>): Promise<T> => {
      const p = request()
      const set = inFlight.get(d)!
      set.add(p)
      void p.finally(() => set.delete(p)).catch(() => {})
      return p
    }

    const callbacks = new Map<string, {daemon: number; status: number}>()
    const callbackSends: Promise<unknown>[] = []
    counting = countingServer((run, url) => {
      if (callbacks.has(run)) return // the hand-off step ran again (it was in flight on the killed daemon)
      const d = pick()
      const u = new URL(url)
      callbacks.set(run, {daemon: daemons.indexOf(d), status: 0})
      callbackSends.push(
        send(d, async () => {
          const res = await fetch(`${d.url}${u.pathname}${u.search}`, {
            method: 'POST',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({n: run}),
          })
          callbacks.get(run)!.status = res.status
          await res.text()
        }),
      )
    })
    const base = await counting.listen()

    checkouts = await teamCheckouts(3, {schema, lease: LEASE})
    const [first] = checkouts
    // The schedule: ten ticks, the first a few seconds after the daemons will be up; released
    // with the other flows before they start (each loads it from its own checkout).
    const tickStart = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000)
    for (const [slug, text] of Object.entries({...flows(base, log), tick: tickFlow(base, tickStart)})) {
      first!.writeFlow(slug, text)
      await releaseFlow(first!.ws, slug)
    }
    for (const c of checkouts.slice(1)) syncCommitted(first!.root, c.root)

    const env = {...teamEnv(), BREYTA_SECRET_HOOK_SECRET: HOOK_SECRET}
    // Each daemon reports a host name of its own (helpers/as-host.cjs): three machines, as far as
    // the leases can tell, so the killed one's runs move on only after its leases expire.
    daemons = await Promise.all(
      checkouts.map((c, i) =>
        spawnDaemon(c.root, {env: {...env, BREYTA_TEST_HOST: `machine-${i}`, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${AS_HOST}`.trim()}}),
      ),
    )
    for (const d of daemons) {
      alive.add(d)
      inFlight.set(d, new Set())
    }
    // A daemon that came up after the first tick would only set the trigger's watermark then.
    expect(Date.now(), 'the daemons took too long to start for the schedule window').toBeLessThan(tickStart.getTime() - 500)

    const pool = new pg.Pool({connectionString: PG_URL, max: 2})
    // The daemons create the schema on their first query: until then there is nothing to count.
    const db = {
      query: async (sql: string) => {
        try {
          return await pool.query(sql)
        } catch (err) {
          if (['42P01', '3F000'].includes((err as {code?: string}).code ?? ''))
            return {rows: sql.includes('count(') && !sql.includes('GROUP BY') ? [{n: 0}] : []}
          throw err
        }
      },
      end: () => pool.end(),
    }
    const counts = async () => {
      const rows = (await db.query(`SELECT status, count(*)::int AS n FROM "${schema}".runs GROUP BY status`)).rows as {status: string; n: number}[]
      return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>
    }
    /** Runs whose journal ended (what `runs show` says), whatever the listed status says. */
    const ended = async () =>
      Number(
        (
          await db.query(
            `SELECT count(DISTINCT run)::int AS n FROM "${schema}".events WHERE event->>'type' IN ('run_completed', 'run_failed', 'run_cancelled')`,
          )
        ).rows[0].n,
      )
    const ticksFired = async () => Number((await db.query(`SELECT count(*)::int AS n FROM "${schema}".runs WHERE flow = 'tick'`)).rows[0].n)
    const victimLeases = async (active = false) =>
      (
        await db.query(
          `SELECT l.run FROM "${schema}".leases l JOIN "${schema}".runs r ON r.id = l.run WHERE l.owner->>'host' = 'machine-1' AND l.expires_at > now()${active ? ` AND r.status IN ('running', 'waiting', 'sleeping')` : ''}`,
        )
      ).rows.map((r: {run: string}) => r.run)

    // 290 webhooks to random daemons, the flows interleaved, paced by the schedule: a tenth of
    // them after each tick (12 requests at a time), so the kill after the fifth tick is half-way
    // through the runs and through the schedule alike.
    const order = Object.entries(MIX).flatMap(([slug, n]) => Array.from({length: n}, (_, i) => ({slug, n: i})))
    order.sort(() => Math.random() - 0.5)
    const webhookStatus: number[] = []
    const startedIds = new Map<string, string>()
    const post = async (jobs: {slug: string; n: number}[]) => {
      let next = 0
      await Promise.all(
        Array.from({length: 12}, async () => {
          while (next < jobs.length) {
            const job = jobs[next++]!
            const d = pick()
            await send(d, async () => {
              const res = await fetch(`${d.url}/webhooks/${job.slug}`, {
                method: 'POST',
                headers: {'content-type': 'application/json', authorization: `Bearer ${HOOK_SECRET}`},
                body: JSON.stringify({n: job.n}),
              })
              const body = (await res.json()) as {run?: string}
              webhookStatus.push(res.status)
              if (body.run) startedIds.set(body.run, job.slug)
            })
          }
        }),
      )
    }
    let completedAtKill = 0
    let killedAt = 0
    let deadAt = 0
    /** What is left unfinished, and who holds it, for the message of a timeout. */
    const stuck = async () => {
      const rows = (
        await db.query(`SELECT r.id, r.flow, r.status, l.owner->>'host' AS host, l.expires_at > now() AS live,
          (SELECT string_agg(e.event->>'type', ',' ORDER BY e.seq) FROM "${schema}".events e WHERE e.run = r.id AND e.seq > (SELECT max(seq) - 4 FROM "${schema}".events WHERE run = r.id)) AS last
        FROM "${schema}".runs r LEFT JOIN "${schema}".leases l ON l.run = r.id WHERE r.status NOT IN ('completed', 'failed', 'cancelled') ORDER BY r.id LIMIT 20`)
      ).rows
      const loaded = daemons
        .map(
          (d, i) =>
            `daemon ${i}${alive.has(d) ? '' : ' (killed)'}: ${d
              .stderr()
              .split('\n')
              .filter((l) => l.includes('schedule'))
              .join(' | ')}`,
        )
        .join('; ')
      return `${loaded}; counts ${JSON.stringify(await counts())}, ticks ${await ticksFired()}, webhooks posted ${webhookStatus.length}, killed at ${killedAt ? new Date(killedAt).toISOString() : 'never'}; unfinished: ${JSON.stringify(rows)}`
    }
    const perTick = Math.ceil(order.length / TICKS)
    const load = (async () => {
      for (let k = 0; k < TICKS; k++) {
        await until(async () => (await ticksFired()) > k, 30_000, 20).catch(async (err: Error) => {
          throw new Error(`tick ${k + 1} never fired (${err.message}): ${await stuck()}`)
        })
        await post(order.slice(k * perTick, (k + 1) * perTick))
      }
    })()
    let loadFailed: unknown
    load.catch((err: unknown) => (loadFailed = err))
    const loadOk = () => {
      if (loadFailed) throw loadFailed
    }

    let heldAtDeath: string[] = []
    let victimStats = {advances: 0, active: 0}
    const victim = daemons[1]!
    // Away from a tick's instant, so the kill never lands between a tick's claim and its run.
    const betweenTicks = () => Date.now() % 1000 > 250 && Date.now() % 1000 < 800
    try {
      // Half-way through the schedule (and so through the runs), while daemon 1 advances runs
      // (it holds leases), kill it with -9; it takes no new requests from then on.
      await until(async () => loadOk() ?? (await ticksFired()) >= TICKS / 2, 60_000, 20)
      for (;;) {
        await until(async () => betweenTicks() && (await victimLeases(true)).length > 0, 20_000, 5)
        alive.delete(victim)
        await Promise.allSettled([...inFlight.get(victim)!])
        if (betweenTicks()) break
        alive.add(victim)
      }
      victimStats = (await (await fetch(`${victim.url}/healthz`)).json()) as {advances: number; active: number}
      completedAtKill = (await counts()).completed ?? 0
      killedAt = Date.now()
      await victim.kill9()
      deadAt = Date.now()
      // What it held when it died (a dead process releases nothing): these wait for expiry.
      heldAtDeath = await victimLeases()

      // Every run, the ten ticks included, reaches an end.
      await until(
        async () => {
          loadOk()
          return (await ended()) >= 300
        },
        90_000,
        200,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${await stuck()}`)
      })
      await load
      // The status every listing shows (the run's snapshot) follows its journal to the end.
      await until(async () => ((await counts()).completed ?? 0) >= 300, 10_000, 100).catch(async () => {
        const lagging = (
          await db.query(`SELECT r.id, r.flow, r.status, r.snapshot->>'seq' AS "snapshot-seq", (SELECT max(seq) FROM "${schema}".events e WHERE e.run = r.id) AS "journal-seq"
          FROM "${schema}".runs r WHERE r.status <> 'completed' AND EXISTS (SELECT 1 FROM "${schema}".events e WHERE e.run = r.id AND e.event->>'type' = 'run_completed')`)
        ).rows
        for (const l of lagging) l['killed-daemon-held-it'] = heldAtDeath.includes(l.id)
        expect(lagging, 'runs whose journal completed but whose listed status (runs list) did not follow within 10 s').toEqual([])
      })
    } finally {
      await load.catch(() => {})
      await db.end()
    }
    await Promise.all(callbackSends)

    // Webhooks and callbacks: each was accepted by the daemon it was sent to.
    expect(webhookStatus).toHaveLength(order.length)
    expect(webhookStatus.filter((s) => s !== 202)).toEqual([])
    expect(callbacks.size).toBe(MIX.call)
    expect([...callbacks.values()].filter((c) => c.status !== 202)).toEqual([])

    const runs = await readAll(schema)
    // Callbacks went to random daemons: also to ones that had not run the step that handed the
    // callback URL out (the daemon of the advance before that step, from the journal's pids).
    const ranHandOff = (id: string) => {
      const evs = runs.get(id)!.events
      const at = evs.findIndex((e) => e.type === 'step_started' && e.step === 'hand-off')
      return (
        evs
          .slice(0, at)
          .reverse()
          .find((e) => 'pid' in e && e.type.startsWith('run_')) as {pid?: number} | undefined
      )?.pid
    }
    const elsewhere = [...callbacks].filter(([id, c]) => daemons[c.daemon]!.pid !== ranHandOff(id)).length
    expect(new Set([...callbacks.values()].map((c) => c.daemon)).size).toBeGreaterThanOrEqual(2)
    expect(elsewhere).toBeGreaterThan(0)
    expect(runs.size).toBe(300)
    const byFlow = (slug: string) => [...runs].filter(([, r]) => r.flow === slug)
    for (const [slug, n] of Object.entries(MIX)) expect(byFlow(slug)).toHaveLength(n)
    expect([...startedIds.keys()].every((id) => runs.has(id))).toBe(true)
    // Every run completes.
    expect([...runs].filter(([, r]) => r.status !== 'completed').map(([id, r]) => `${id} ${r.flow} ${r.status}`)).toEqual([])

    // Side effects per step id: the counting server (http) and the log (exec).
    const effects = new Map<string, number[]>()
    const add = (key: string, at: number) => effects.set(key, [...(effects.get(key) ?? []), at])
    for (const h of counting.hits) add(h.key, h.at)
    for (const line of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      const [key, secs] = line.split(' ')
      add(key!, Math.floor(Number(secs) * 1000))
    }
    const problems: string[] = []
    let reran = 0
    for (const [id, r] of runs) {
      const completed = r.events.filter((e): e is Extract<JournalEvent, {type: 'step_completed'}> => e.type === 'step_completed')
      const steps = completed.map((e) => e.step)
      if (new Set(steps).size !== steps.length) problems.push(`${id}: a step completed twice in the journal: ${steps.join(',')}`)
      for (const e of completed) {
        const times = effects.get(`${id}/${e.step}`)
        if (e.step === 'done' || e.step === 'nap' || e.step === 'work') continue // no side effect to count
        if (!times) {
          problems.push(`${id}/${e.step} completed without a side effect`)
          continue
        }
        const done = Date.parse(e.at)
        // No execution after the step completed: a completed step never runs again.
        if (times.some((t) => t > done)) problems.push(`${id}/${e.step} ran after it completed (${times.join(',')} > ${e.at})`)
        // More than one execution only for a step in flight on the killed daemon when it died.
        if (times.length > 1) {
          reran++
          // In flight: started before the kill, first executed before the victim was gone (a
          // request it sent may reach the counting server a few ms after the signal was sent).
          const startedBefore = r.events.some((x) => x.type === 'step_started' && x.step === e.step && Date.parse(x.at) <= killedAt)
          if (!(startedBefore && Math.min(...times) <= deadAt && done > killedAt)) {
            const journal = r.events
              .map((x) => `${x.seq}:${x.type}${'step' in x ? `(${x.step})` : ''}${'pid' in x ? `[pid ${x.pid}]` : ''}@${Date.parse(x.at) - killedAt}`)
              .join(' ')
            const fenced = daemons
              .map(
                (d, i) =>
                  `daemon ${i}: ${d
                    .stderr()
                    .split('\n')
                    .filter((l) => l.includes(id) && /taken over|fenced|conflict/i.test(l))
                    .join(' | ')}`,
              )
              .join('; ')
            problems.push(
              `${id}/${e.step} ran ${times.length} times though it was not in flight at the kill: at ${times.map((t) => t - killedAt).join(', ')} ms from the kill, completed at ${done - killedAt}; daemon pids ${daemons.map((d) => d.pid).join('/')}; journal ${journal}; daemon logs on it: ${fenced}`,
            )
          }
        }
      }
    }
    expect(problems).toEqual([])
    expect(reran).toBeLessThanOrEqual(32) // at most what the killed daemon could have in flight

    // The singleton never overlaps: [first enter, last leave] windows are disjoint.
    const windows = byFlow('solo').map(([id]) => ({id, enter: Math.min(...effects.get(`${id}/enter`)!), leave: Math.max(...effects.get(`${id}/leave`)!)}))
    windows.sort((a, b) => a.enter - b.enter)
    for (let i = 1; i < windows.length; i++)
      expect(windows[i]!.enter, `${windows[i - 1]!.id} and ${windows[i]!.id} overlap`).toBeGreaterThanOrEqual(windows[i - 1]!.leave)

    // Each schedule tick fired once: ten runs, one per tick second.
    const ticks = byFlow('tick')
    expect(ticks).toHaveLength(TICKS)
    // Sorted by creation, the i-th tick run was created no earlier than the i-th tick: with ten in
    // all, none fired twice and none was lost.
    const created = ticks.map(([, r]) => Date.parse(r.created)).sort((a, b) => a - b)
    created.forEach((at, i) =>
      expect(at, `tick run ${i} created ${at - tickStart.getTime()} ms after the first tick`).toBeGreaterThanOrEqual(tickStart.getTime() + i * 1000),
    )
    expect(ticks.every(([, r]) => (r.events[0] as {trigger?: string}).trigger === 'schedule')).toBe(true)

    // The killed daemon's runs: each held lease blocked its run until it expired (never taken
    // earlier: the store cannot know the machine is gone), then another daemon carried on.
    expect(victimStats.advances).toBeGreaterThan(0)
    expect(heldAtDeath.length).toBeGreaterThan(0)
    // Each such run as it stood at the kill: one that had already ended needs nobody; a queued
    // one moves on when its turn in the flow's queue comes, not when the lease lapses.
    const held = heldAtDeath.map((id) => {
      const r = runs.get(id)!
      const before = projectRun(r.events.filter((e) => Date.parse(e.at) <= killedAt))!.status
      const after = r.events.find((e) => Date.parse(e.at) > killedAt)
      return {id, flow: r.flow, before, ms: after ? Date.parse(after.at) - killedAt : Infinity}
    })
    const moved = held.filter((h) => !TERMINAL_STATUSES.includes(h.before))
    const advancing = moved.filter((h) => h.before !== 'queued')
    const report = held.map((h) => `${h.id} ${h.flow} (${h.before} at the kill) ${h.ms} ms`).join('; ')
    console.log(
      `team mode: 300 runs in ${((Date.now() - started) / 1000).toFixed(1)} s; daemon 1 killed at ${((killedAt - started) / 1000).toFixed(1)} s with ${completedAtKill} runs completed (tick window ${((tickStart.getTime() - started) / 1000).toFixed(1)}–${((tickStart.getTime() + TICKS * 1000 - started) / 1000).toFixed(1)} s), after ${victimStats.advances} advances, holding ${heldAtDeath.length} lease(s): ${report}; ${reran} step(s) ran twice (in flight at the kill); fenced advances on live daemons (lease lapsed under load) ${daemons
        .filter((d) => d !== victim)
        .map(
          (d) =>
            d
              .stderr()
              .split('\n')
              .filter((l) => l.includes('run taken over by another daemon')).length,
        )
        .join(
          '/',
        )}; callbacks to another daemon than the one that ran the hand-off ${elsewhere}/${callbacks.size}; callbacks per daemon ${[0, 1, 2].map((i) => [...callbacks.values()].filter((c) => c.daemon === i).length).join('/')}`,
    )
    expect(moved.length, `the killed daemon held only runs that had ended: ${report}`).toBeGreaterThan(0)
    expect(Math.min(...moved.map((h) => h.ms)), `runs held at death moved on before their lease expired: ${report}`).toBeGreaterThanOrEqual(LEASE_MS / 2)
    // Bounded: the lease, a sweep, and the surviving daemons' backlog of advances (two loaded
    // cores, ~150 unfinished runs: up to ~9 s measured) must not turn into a stall.
    if (advancing.length > 0)
      expect(Math.max(...advancing.map((h) => h.ms)), `runs held at death were not taken over within a bounded time: ${report}`).toBeLessThan(LEASE_MS + 12_000)
    expect(Date.now() - started).toBeLessThan(110_000)
  }, 120_000)
})

describe.skipIf(PG_URL)('team mode acceptance', () => {
  it.skip(`skipped: ${PG_SKIP}`, () => {})
})
