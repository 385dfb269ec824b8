/**
 * PgStore on a real PostgreSQL (BREYTA_TEST_PG_URL, started by test/helpers/postgres.sh as
 * .ci/run does): the store contract, plus what only this implementation has — migrations under
 * concurrency, journal fencing on the lease, no secrets in the schema, errors without the URL.
 * Each test gets a schema of its own, dropped afterwards.
 */
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'
import {afterEach, describe, expect, it} from 'vitest'
import {openDb} from '../../../src/engine/store/pg/db.js'
import {openPgStore, type PgStore} from '../../../src/engine/store/pg/index.js'
import {MIGRATIONS, migrate, schemaVersion} from '../../../src/engine/store/pg/schema.js'
import {eventually, FLOW_TEXT, logEvent, newRun, storeContract, type StoreBacking} from './contract.js'

const PG_URL = process.env.BREYTA_TEST_PG_URL
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const SKIP = PG_URL ? false : 'BREYTA_TEST_PG_URL is not set (start one with `export BREYTA_TEST_PG_URL="$(bash test/helpers/postgres.sh)"`)'

let schemas = 0
const freshSchema = () => `t_${process.pid}_${++schemas}_${crypto.randomBytes(3).toString('hex')}`

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({connectionString: PG_URL})
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function pgBacking(): Promise<StoreBacking & {schema: string; stores: PgStore[]}> {
  const schema = freshSchema()
  const stores: PgStore[] = []
  return {
    schema,
    stores,
    async open(options: {leaseMs?: number; now?: () => number} = {}) {
      const s = await openPgStore({url: PG_URL!, schema, poolMax: 6, ...options})
      stores.push(s)
      return s
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close()))
      await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    },
  }
}

if (SKIP) {
  describe('PgStore', () => {
    it.skip(`skipped: ${SKIP}`, () => {})
  })
} else {
  storeContract({name: 'PgStore (PostgreSQL)', backing: pgBacking, features: {leaseExpiry: true, staleAppendRefused: true}})

  describe('PgStore on PostgreSQL only', () => {
    let backing: Awaited<ReturnType<typeof pgBacking>> | undefined
    afterEach(async () => {
      await backing?.dispose()
      backing = undefined
    })

    it('two processes migrating a fresh schema at once: each migration runs once, both end up current', async () => {
      backing = await pgBacking()
      const dbs = [openDb(PG_URL!, backing.schema), openDb(PG_URL!, backing.schema), openDb(PG_URL!, backing.schema)]
      try {
        const results = await Promise.all(dbs.map((db) => migrate(db)))
        expect(results.filter((r) => r.from === 0)).toHaveLength(1)
        expect(results.every((r) => r.to === MIGRATIONS.length)).toBe(true)
        expect(await schemaVersion(dbs[0]!)).toBe(MIGRATIONS.length)
        const rows = await dbs[0]!.query<{version: number}>(`SELECT version FROM "${backing.schema}".schema_version ORDER BY version`)
        expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
      } finally {
        await Promise.all(dbs.map((db) => db.end()))
      }
    })

    it('refuses a store migrated by a newer breyta', async () => {
      backing = await pgBacking()
      await backing.open()
      await admin((c) => c.query(`INSERT INTO "${backing!.schema}".schema_version (version) VALUES ($1)`, [MIGRATIONS.length + 1]))
      const db = openDb(PG_URL!, backing.schema)
      try {
        await expect(migrate(db)).rejects.toMatchObject({code: 'storage_error', details: {version: MIGRATIONS.length + 1, known: MIGRATIONS.length}})
      } finally {
        await db.end()
      }
    })

    it('fencing: a holder whose lease expired and was taken over can append nothing, before or after the new holder', async () => {
      backing = await pgBacking()
      // The old holder never renews (renewal every minute, lease 300 ms): it "hangs" past its lease.
      const old = await openPgStore({url: PG_URL!, schema: backing.schema, leaseMs: 300, renewEveryMs: 60_000})
      backing.stores.push(old)
      const next = await backing.open({leaseMs: 300})
      const run = await newRun(old)
      const oldLease = (await old.leases.tryAcquire(run))!
      const oldHandle = await old.journals.open(oldLease, await old.journals.read(run))
      await oldHandle.appendNow(logEvent('old 1'))

      const newLease = await next.leases.acquire(run, {timeoutMs: 5000})
      expect(newLease).toBeDefined()
      const newRead = await next.journals.read(run)
      expect(newRead.events.map((e) => e.seq)).toEqual([1, 2])

      // Between the new holder's read and its first append: the old one is refused.
      oldHandle.append(logEvent('old 2 (must not land)'))
      await expect(oldHandle.durable()).rejects.toMatchObject({code: 'storage_error', details: {conflict: true, reason: 'lease_lost', run}})
      expect(() => oldHandle.append(logEvent('old 3'))).toThrow()

      const newHandle = await next.journals.open(newLease!, newRead)
      await newHandle.appendNow(logEvent('new 3'))
      const events = (await next.journals.read(run)).events
      expect(events.map((e) => (e.type === 'log' ? e.message : e.type))).toEqual(['run_created', 'old 1', 'new 3'])
      await newHandle.close()
      await newLease!.release()
    })

    it('group commit: one refused run does not fail the other runs flushed with it', async () => {
      backing = await pgBacking()
      const [a, b] = [await backing.open(), await backing.open()]
      const good = await newRun(a)
      const raced = await newRun(a)
      const leaseGood = (await a.leases.tryAcquire(good))!
      const leaseRaced = (await a.leases.tryAcquire(raced))!
      const hGood = await a.journals.open(leaseGood, await a.journals.read(good))
      const hRaced = await a.journals.open(leaseRaced, await a.journals.read(raced))
      // Another process writes seq 2 of `raced` outside any lease (appendAfter): a's seq 2 collides.
      await b.journals.appendAfter(raced, await b.journals.read(raced), logEvent('other writer'))
      hGood.append(logEvent('good 2'))
      hRaced.append(logEvent('raced 2'))
      const [okGood, okRaced] = await Promise.allSettled([hGood.durable(), hRaced.durable()])
      expect(okGood.status).toBe('fulfilled')
      expect(okRaced).toMatchObject({status: 'rejected', reason: {code: 'storage_error', details: {reason: 'seq_taken', seq: 2}}})
      expect((await b.journals.read(good)).events.at(-1)).toMatchObject({seq: 2, message: 'good 2'})
      expect((await b.journals.read(raced)).events.at(-1)).toMatchObject({seq: 2, message: 'other writer'})
      // Nothing staged after the refusal reaches the table either.
      expect(() => hRaced.append(logEvent('raced 3'))).toThrow()
      await hGood.close()
      await hRaced.close()
    })

    it('stores a pinned definition once per sha256, and has no place for secrets', async () => {
      backing = await pgBacking()
      const a = await backing.open()
      await newRun(a)
      await newRun(a)
      await newRun(a, FLOW_TEXT + '\n')
      const defs = await admin((c) => c.query(`SELECT count(*)::int AS n FROM "${backing!.schema}".definitions`))
      expect(defs.rows[0].n).toBe(2)
      const cols = await admin((c) =>
        c.query(
          `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND (column_name ILIKE '%secret%' OR table_name ILIKE '%secret%')`,
          [backing!.schema],
        ),
      )
      expect(cols.rows).toEqual([])
    })

    it('a dead holder on this host is taken over at once, as after kill -9 of a local daemon', async () => {
      backing = await pgBacking()
      const a = await backing.open({leaseMs: 60_000})
      const run = await newRun(a)
      // A lease row as a process that no longer exists left it (pid 2^22 + 1 is above Linux's pid_max default).
      await admin((c) =>
        c.query(`INSERT INTO "${backing!.schema}".leases (run, holder, owner, expires_at) VALUES ($1, 'gone', $2, now() + interval '1 hour')`, [
          run,
          JSON.stringify({pid: 4194305, host: os.hostname(), since: new Date().toISOString()}),
        ]),
      )
      expect(await a.leases.holder(run)).toBeUndefined()
      const lease = await a.leases.tryAcquire(run)
      expect(lease).toBeDefined()
      await lease!.release()
    })

    it('a holder process killed with -9 loses its run: another process takes it over and continues its journal', async () => {
      backing = await pgBacking()
      const a = await backing.open({leaseMs: 60_000})
      const run = await newRun(a)
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'test/helpers/pg-lease-worker.ts'), PG_URL!, backing.schema, run, '60000'], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const exited = new Promise((r) => child.once('exit', r))
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.setEncoding('utf8')
          child.stdout.on('data', (d: string) => (d.includes('held') ? resolve() : reject(new Error(d))))
          child.once('exit', (code) => reject(new Error(`worker exited ${code}`)))
        })
        // Alive: its lease (an hour-long one) keeps everyone else out.
        expect(await a.leases.holder(run)).toMatchObject({pid: child.pid, purpose: 'worker'})
        expect(await a.leases.tryAcquire(run)).toBeUndefined()
        child.kill('SIGKILL')
        await exited
        // Dead on this host: taken over at once, without waiting for the expiry.
        const lease = await a.leases.tryAcquire(run, 'takeover')
        expect(lease).toBeDefined()
        const h = await a.journals.open(lease!, await a.journals.read(run))
        await h.appendNow(logEvent('after the takeover'))
        const events = (await a.journals.read(run)).events
        expect(events.map((e) => (e.type === 'log' ? e.message : e.type))).toEqual(['run_created', `worker ${child.pid}`, 'after the takeover'])
        await h.close()
        await lease!.release()
      } finally {
        child.kill('SIGKILL')
      }
    })

    it('dropOwn drops only a lease of this process', async () => {
      backing = await pgBacking()
      const a = await backing.open({leaseMs: 60_000})
      const run = await newRun(a)
      // Another process (pid 1, alive) holds it.
      await admin((c) =>
        c.query(`INSERT INTO "${backing!.schema}".leases (run, holder, owner, expires_at) VALUES ($1, 'elsewhere:1:x/1', $2, now() + interval '1 hour')`, [
          run,
          JSON.stringify({pid: 1, host: 'elsewhere', since: new Date().toISOString()}),
        ]),
      )
      await a.leases.dropOwn(run)
      expect(await a.leases.holder(run)).toMatchObject({pid: 1, host: 'elsewhere'})
      expect(await a.leases.tryAcquire(run)).toBeUndefined()
    })

    it('kv expiry and the fixed incr window follow the clock exactly', async () => {
      backing = await pgBacking()
      let clock = Date.parse('2026-01-01T00:00:00Z')
      const [a, b] = [await backing.open({now: () => clock}), await backing.open({now: () => clock})]
      await a.kv.set('ns', 'k', 42, {ttlMs: 1000})
      expect(await b.kv.entry('ns', 'k')).toMatchObject({value: 42, expiresAt: new Date(clock + 1000).toISOString()})
      clock += 999
      expect(await b.kv.get('ns', 'k')).toBe(42)
      clock += 2
      expect(await b.kv.get('ns', 'k')).toBeNull()
      expect(await b.kv.delete('ns', 'k')).toBe(false)
      expect(await a.kv.incr('c', 'win', 5, {ttlMs: 1000})).toBe(5)
      clock += 600
      expect(await b.kv.incr('c', 'win', 1, {ttlMs: 1000})).toBe(6)
      clock += 600 // past the first incr's window: the key starts over
      expect(await b.kv.incr('c', 'win', 1, {ttlMs: 1000})).toBe(1)
    })

    it('webhook deliveries: saves of two daemons add up; remember is one atomic check across instances', async () => {
      backing = await pgBacking()
      const t = Date.parse('2026-01-01T00:00:00Z')
      const [a, b] = [await backing.open({now: () => t}), await backing.open({now: () => t})]
      await a.webhooks.save({'delivery:a': {run: 'RA', until: t + 1000}})
      await b.webhooks.save({'delivery:b': {run: 'RB', until: t + 1000}})
      expect(await a.webhooks.load()).toEqual({'delivery:a': {run: 'RA', until: t + 1000}, 'delivery:b': {run: 'RB', until: t + 1000}})
      expect(await a.webhooks.remember('d-1', 'R1', t, 1000)).toBe(true)
      expect(await b.webhooks.remember('d-1', 'R2', t + 500, 1000)).toBe(false)
      expect(await a.webhooks.remember('d-1', 'R3', t + 1001, 1000)).toBe(true)
      const racers = await Promise.all(Array.from({length: 6}, (_, i) => (i % 2 === 0 ? a : b).webhooks.remember('d-race', `R${i}`, t, 1000)))
      expect(racers.filter(Boolean)).toHaveLength(1)
    })

    it('of two daemons consuming signals, exactly one gets each signal', async () => {
      backing = await pgBacking()
      const [a, b, c] = [await backing.open(), await backing.open(), await backing.open()]
      const got: string[] = []
      const consumers = [a.signals.consume((id) => got.push(id)), b.signals.consume((id) => got.push(id))]
      try {
        const runs = await Promise.all(Array.from({length: 10}, () => newRun(c)))
        for (const run of runs) await c.signals.signal(run)
        await eventually(() => runs.every((r) => got.includes(r)))
        // Give a duplicate a chance to arrive: one more signal round trip through both consumers.
        const last = await newRun(c)
        await c.signals.signal(last)
        await eventually(() => got.includes(last))
        expect([...got].sort()).toEqual([...runs, last].sort())
      } finally {
        await Promise.all(consumers.map((x) => x.close()))
      }
    })

    it('an unreachable server is storage_error naming host and port, never the password', async () => {
      const url = new URL(PG_URL!)
      url.port = String(1) // nothing listens on port 1
      await expect(openPgStore({url: url.toString(), schema: freshSchema()})).rejects.toSatisfy((err: {code?: string; message: string; hint?: string}) => {
        expect(err.code).toBe('storage_error')
        expect(err.message).toContain('127.0.0.1:1')
        expect(`${err.message} ${err.hint}`).not.toContain(url.password)
        return true
      })
    })
  })
}
