/**
 * The store contract: what every `Store` implementation (files, PostgreSQL) must do, as one
 * suite parameterized by a factory. Two store instances opened on one backing stand for two
 * processes (or machines) sharing it: every race here is run between two instances.
 *
 * Use: `storeContract({name, backing, features})` inside a test file; `backing()` makes a fresh,
 * isolated backing (a temp workspace, a PostgreSQL schema) per test.
 */
import crypto from 'node:crypto'
import {afterEach, describe, expect, it} from 'vitest'
import type {UnsequencedEvent} from '../../../src/engine/journal/events.js'
import type {QueueEntry, Store} from '../../../src/engine/store/types.js'

export interface OpenOptions {
  /** Lease lifetime without renewal (implementations whose leases expire). */
  leaseMs?: number
}

export interface StoreBacking {
  /** Another store instance on the same backing: as far as the store can tell, another process. */
  open(options?: OpenOptions): Promise<Store>
  /** Close every store opened on it and remove the backing. */
  dispose(): Promise<void>
}

export interface ContractTarget {
  name: string
  backing(): Promise<StoreBacking>
  features: {
    /**
     * Leases expire when their holder stops renewing (PostgreSQL). Files leases are pid-checked
     * locks instead: a holder's death, not time, frees them (tested in journal-lock.test.ts).
     */
    leaseExpiry: boolean
    /**
     * A writer appending after a stale read is refused (PostgreSQL: the unique (run, seq)). Files
     * serialize writers with the run lock and every writer re-reads under it; a stale read is not
     * detected there.
     */
    staleAppendRefused: boolean
  }
}

export const queueEntry = (run: string, state: QueueEntry['state'] = 'admitted'): QueueEntry => ({
  run,
  key: null,
  limit: 1,
  state,
  waiter: null,
  target: 'draft',
  version: null,
})

export const FLOW_TEXT = '{:slug contract-demo :flow (fn [input] input)}'

export function createdEvent(runId: string, flowText = FLOW_TEXT): UnsequencedEvent {
  const sha256 = crypto.createHash('sha256').update(flowText).digest('hex')
  return {type: 'run_created', at: new Date().toISOString(), run: runId, flow: 'contract-demo', target: 'draft', version: null, sha256, input: {n: 1}}
}

export async function newRun(store: Store, flowText = FLOW_TEXT): Promise<string> {
  const id = store.runs.newRunId()
  await store.runs.create(id, flowText, createdEvent(id, flowText))
  return id
}

export const logEvent = (message: string): UnsequencedEvent => ({type: 'log', message, at: new Date().toISOString()})

/** Resolve when `check()` holds, calling `poke()` between looks; fail after `ms`. An event wait with a deadline, not a sleep. */
export async function eventually(check: () => boolean | Promise<boolean>, poke: () => unknown = () => {}, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await poke()
    await new Promise((r) => setTimeout(r, 25))
  }
}

const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? (r.reason as {code?: string}).code : undefined)

export function storeContract(target: ContractTarget): void {
  describe(`Store contract: ${target.name}`, () => {
    let backing: StoreBacking | undefined
    afterEach(async () => {
      await backing?.dispose()
      backing = undefined
    })
    async function two(options?: OpenOptions): Promise<[Store, Store]> {
      backing = await target.backing()
      return [await backing.open(options), await backing.open(options)]
    }

    describe('runs', () => {
      it('creates a run with its pinned flow, lists newest first, keeps snapshots, the waiting index and cancel requests', async () => {
        const [a, b] = await two()
        const first = await newRun(a)
        const second = await newRun(a, FLOW_TEXT + ' ')
        expect(await b.runs.exists(first)).toBe(true)
        expect(await b.runs.exists(a.runs.newRunId())).toBe(false)
        await expect(b.runs.assertExists(a.runs.newRunId())).rejects.toMatchObject({code: 'run_not_found'})
        expect(await b.runs.listIds()).toEqual([second, first])
        expect(await b.runs.listIds({before: second})).toEqual([first])
        expect(await b.runs.listIds({limit: 1})).toEqual([second])
        expect(await b.runs.readPinnedFlow(first)).toBe(FLOW_TEXT)
        expect(await b.runs.readPinnedFlow(second)).toBe(FLOW_TEXT + ' ')

        const view = await b.runs.readView(first)
        expect(view).toMatchObject({id: first, flow: 'contract-demo', seq: 1})
        await b.runs.writeSnapshot({...view, status: 'waiting'})
        expect((await a.runs.readSnapshot(first))?.status).toBe('waiting')
        expect(await a.runs.waitingIds(async () => [])).toContain(first)
        await a.runs.noteWaiting(first, false)
        expect(await b.runs.waitingIds(async () => [])).not.toContain(first)

        expect(await b.runs.cancelRequested(first)).toBeUndefined()
        await a.runs.requestCancel(first, 'by test')
        expect(await b.runs.cancelRequested(first)).toBeDefined()
        await b.runs.clearCancel(first)
        expect(await a.runs.cancelRequested(first)).toBeUndefined()
      })
    })

    describe('journal', () => {
      it('reads back every appended event in order, staged appends once durable, across instances', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const lease = (await a.leases.tryAcquire(run, 'advance'))!
        expect(lease).toBeDefined()
        const h = await a.journals.open(lease, await a.journals.read(run))
        expect(h.lastSeq).toBe(1)
        const staged = h.append(logEvent('one'), logEvent('two'))
        expect(staged.map((e) => e.seq)).toEqual([2, 3])
        expect(h.appendUnsynced(logEvent('three')).map((e) => e.seq)).toEqual([4])
        await h.durable()
        const now = await h.appendNow(logEvent('four'), logEvent('five'))
        expect(now.map((e) => e.seq)).toEqual([5, 6])
        await h.close()
        await lease.release()

        const read = await b.journals.read(run)
        expect(read.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
        expect(read.events.map((e) => (e.type === 'log' ? e.message : e.type))).toEqual(['run_created', 'one', 'two', 'three', 'four', 'five'])
        expect((await b.runs.readView(run)).seq).toBe(6)
      })

      it('group commit: many runs appending and awaiting durable at once through one store all land, in order', async () => {
        const [a, b] = await two()
        const runs = await Promise.all(Array.from({length: 8}, () => newRun(a)))
        const handles = await Promise.all(
          runs.map(async (run) => {
            const lease = (await a.leases.tryAcquire(run))!
            return {lease, h: await a.journals.open(lease, await a.journals.read(run))}
          }),
        )
        // Each run appends and waits, over and over, while the others do the same: flushes overlap
        // appends made while another flush is in flight.
        await Promise.all(
          handles.map(async ({h}, i) => {
            for (let round = 0; round < 12; round++) {
              h.append(logEvent(`run ${i} round ${round}`))
              if (round % 3 === 2) h.append(logEvent(`run ${i} round ${round} extra`))
              await h.durable()
            }
          }),
        )
        for (const [i, run] of runs.entries()) {
          const events = (await b.journals.read(run)).events
          expect(events.map((e) => e.seq)).toEqual(Array.from({length: 17}, (_, k) => k + 1))
          expect(events.at(-1)).toMatchObject({type: 'log', message: `run ${i} round 11 extra`})
        }
        for (const {h, lease} of handles) {
          await h.close()
          await lease.release()
        }
      })

      it('passes every event through redactWith before it is stored', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const lease = (await a.leases.tryAcquire(run))!
        const h = (await a.journals.open(lease, await a.journals.read(run))).redactWith((e) =>
          e.type === 'log' ? {...e, message: e.message.replaceAll('hunter2', '***')} : e,
        )
        const [written] = await h.appendNow(logEvent('password hunter2'))
        expect(written).toMatchObject({message: 'password ***'})
        await h.close()
        await lease.release()
        expect(JSON.stringify((await b.journals.read(run)).events)).not.toContain('hunter2')
      })

      it.skipIf(!target.features.staleAppendRefused)('two writers appending after the same read: exactly one wins, the seq stays unique', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        for (let round = 0; round < 10; round++) {
          const readA = await a.journals.read(run)
          const readB = await b.journals.read(run)
          const results = await Promise.allSettled([
            a.journals.appendAfter(run, readA, logEvent(`a${round}`)),
            b.journals.appendAfter(run, readB, logEvent(`b${round}`)),
          ])
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
          expect(results.map(codeOf).filter(Boolean)).toEqual(['storage_error'])
        }
        const seqs = (await a.journals.read(run)).events.map((e) => e.seq)
        expect(seqs).toEqual(Array.from({length: 11}, (_, i) => i + 1))
      })
    })

    describe('leases', () => {
      it('one holder at a time: of many concurrent takers on two instances exactly one wins; release frees it', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const takers = Array.from({length: 8}, (_, i) => (i % 2 === 0 ? a : b).leases.tryAcquire(run, `taker ${i}`))
        const leases = (await Promise.all(takers)).filter((l) => l !== undefined)
        expect(leases).toHaveLength(1)
        const held = leases[0]!
        expect(held.runId).toBe(run)
        expect(await b.leases.holder(run)).toMatchObject({pid: process.pid})
        expect(await a.leases.acquire(run, {timeoutMs: 100})).toBeUndefined()
        await held.release()
        expect(await b.leases.holder(run)).toBeUndefined()
        const next = await b.leases.acquire(run, {timeoutMs: 1000})
        expect(next).toBeDefined()
        // A lease whose handle is lost (a worker died holding it) is dropped by its own process.
        await b.leases.dropOwn(run)
        const again = await a.leases.tryAcquire(run)
        expect(again).toBeDefined()
        await again!.release()
      })

      it.skipIf(!target.features.leaseExpiry)('a renewed lease stays; one whose holder stopped renewing is taken over once it expires', async () => {
        const leaseMs = 400
        const [a, b] = await two({leaseMs})
        const run = await newRun(a)
        const held = await a.leases.tryAcquire(run, 'holder')
        expect(held).toBeDefined()
        // Longer than the lease: only renewal keeps it.
        expect(await b.leases.acquire(run, {timeoutMs: leaseMs * 2.5})).toBeUndefined()
        const stopped = Date.now()
        await a.close() // stops renewing without releasing: the holder "died"
        const taken = await b.leases.acquire(run, {timeoutMs: leaseMs * 10, purpose: 'takeover'})
        expect(taken).toBeDefined()
        // Not before the last renewal's expiry could have passed (a renewal is at most leaseMs/3 old).
        expect(Date.now() - stopped).toBeGreaterThanOrEqual(leaseMs / 2)
        expect(await b.leases.holder(run)).toMatchObject({purpose: 'takeover'})
        await taken!.release()
      })
    })

    describe('inbox', () => {
      it('of N concurrent posts of one key on two instances exactly one wins and is what is read', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const posts = Array.from({length: 12}, (_, i) =>
          (i % 2 === 0 ? a : b).inbox.post(run, {key: 'approve', payload: {n: i}, source: 'callback', at: new Date().toISOString()}),
        )
        const won = await Promise.all(posts)
        expect(won.filter(Boolean)).toHaveLength(1)
        const winner = won.indexOf(true)
        const entries = await a.inbox.read(run)
        expect(entries).toHaveLength(1)
        expect(entries[0]).toMatchObject({key: 'approve', payload: {n: winner}, source: 'callback'})
        expect(await b.inbox.has(run, 'approve')).toBe(true)
        expect(await b.inbox.has(run, 'other')).toBe(false)
        expect(await b.inbox.post(run, {key: 'other', payload: null, source: 'cli', by: 'me', decision: 'approved', at: new Date().toISOString()})).toBe(true)
        expect((await a.inbox.read(run)).map((e) => e.key)).toEqual(['approve', 'other'])
      })

      it("a claim, made under the run's lease, turns a post of its key away on either instance, as an earlier post would; unclaimed, the key is free", async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const entry = (n: number) => ({key: 'k', payload: {n}, source: 'callback' as const, at: new Date().toISOString()})
        const lease = (await a.leases.tryAcquire(run, 'advance'))!
        const claimed = entry(1)
        expect(await a.inbox.claim(run, claimed)).toBe(true)
        expect(await a.inbox.claim(run, entry(2))).toBe(false)
        expect(await b.inbox.post(run, entry(3))).toBe(false)
        expect(await b.inbox.has(run, 'k')).toBe(true)
        await a.inbox.unclaim(run, claimed)
        expect(await b.inbox.has(run, 'k')).toBe(false)
        const posted = entry(4)
        expect(await b.inbox.post(run, posted)).toBe(true)
        expect(await a.inbox.claim(run, entry(5))).toBe(false)
        // Giving up a claim never takes a posted completion with it.
        await a.inbox.unclaim(run, claimed)
        expect((await a.inbox.read(run)).map((e) => e.payload)).toEqual([{n: 4}])
        await lease.release()
      })
    })

    describe('queue', () => {
      it('withQueue runs one caller at a time across instances; each sees what the one before wrote, sorted by run', async () => {
        const [a, b] = await two()
        let inside = 0
        let maxInside = 0
        const runs = Array.from({length: 16}, () => a.runs.newRunId())
        const callers = runs.map((run, i) =>
          (i % 2 === 0 ? a : b).queue.withQueue('flow-q', async (entries) => {
            inside++
            maxInside = Math.max(maxInside, inside)
            // A real await inside the critical section: another caller would get in here if it could.
            await (i % 2 === 0 ? a : b).queue.read('other-flow')
            await new Promise((r) => setTimeout(r, 2))
            inside--
            return {entries: [...(entries ?? []), queueEntry(run, i % 4 === 0 ? 'queued' : 'admitted')], result: entries?.length ?? -1}
          }),
        )
        const seen = await Promise.all(callers)
        expect(maxInside).toBe(1)
        // The first caller found no queue at all; every later one saw one more entry.
        expect([...seen].sort((x, y) => x - y)).toEqual([-1, ...Array.from({length: 15}, (_, i) => i + 1)])
        const final = await b.queue.read('flow-q')
        expect(final?.map((e) => e.run)).toEqual([...runs].sort())
        expect(await b.queue.read('no-such-flow')).toBeUndefined()
        expect(await a.queue.slugs()).toEqual(['flow-q'])
        await a.queue.withQueue('flow-q', async (entries) => ({entries: entries!.map((e) => ({...e, state: 'admitted' as const})), result: null}))
        expect(await b.queue.slugs()).toEqual([])
      })

      it('a caller that throws or returns no entries writes nothing and frees the lock; a held lock times out with internal', async () => {
        const [a, b] = await two()
        await a.queue.withQueue('flow-x', async () => ({entries: [queueEntry('kept')], result: null}))
        await expect(a.queue.withQueue('flow-x', async () => Promise.reject(new Error('boom')))).rejects.toThrow(/^boom$/)
        expect(await b.queue.withQueue('flow-x', () => ({result: 'read only'}))).toBe('read only')
        expect((await b.queue.read('flow-x'))?.map((e) => e.run)).toEqual(['kept'])

        let letGo!: () => void
        let entered!: () => void
        const inside = new Promise<void>((r) => (entered = r))
        const holding = a.queue.withQueue('flow-x', async () => {
          entered()
          await new Promise<void>((r) => (letGo = r))
          return {result: null}
        })
        await inside
        await expect(b.queue.withQueue('flow-x', () => ({result: null}), {timeoutMs: 300})).rejects.toMatchObject({code: 'internal'})
        letGo()
        await holding
        expect(await b.queue.withQueue('flow-x', () => ({result: 'free'}), {timeoutMs: 5000})).toBe('free')
      })
    })

    describe('signals', () => {
      it('a watcher hears a change made through another instance; a daemon signal waits in pending until cleared', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const heard: string[] = []
        const watch = b.signals.watch((id) => heard.push(id))
        try {
          // The watch may take a moment to be listening: keep noting until it hears one.
          await eventually(
            () => heard.includes(run),
            () => a.signals.noteChanged(run),
          )
          const other = await newRun(a)
          await a.signals.signal(other)
          await eventually(() => heard.includes(other))
          expect(await b.signals.pending()).toContain(other)
          await b.signals.clear(other)
          expect(await a.signals.pending()).not.toContain(other)
        } finally {
          await watch.close()
        }
      })

      it('a consumer on another instance takes each signal: delivered, and no longer pending', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const early = await newRun(a)
        await a.signals.signal(early) // before the consumer starts: found by its sweep
        const got: string[] = []
        const consumer = b.signals.consume((id) => got.push(id))
        try {
          await eventually(() => got.includes(early))
          await a.signals.signal(run)
          await eventually(() => got.includes(run))
          expect(await a.signals.pending()).toEqual([])
        } finally {
          await consumer.close()
        }
      })
    })

    describe('kv', () => {
      it('set/get/entry/delete/list/namespaces across instances; a key with a ttl expires', async () => {
        const [a, b] = await two()
        await a.kv.set('ns', 'k1', 'v1')
        const before = Date.now()
        await a.kv.set('ns', 'k2', 42, {ttlMs: 60_000})
        await a.kv.set('other', 'x', true)
        expect(await b.kv.get('ns', 'k1')).toBe('v1')
        const entry = await b.kv.entry('ns', 'k2')
        expect(entry).toMatchObject({key: 'k2', namespace: 'ns', value: 42})
        expect(Date.parse(entry!.expiresAt!)).toBeGreaterThanOrEqual(before + 60_000)
        expect((await b.kv.list('ns')).map((e) => e.key)).toEqual(['k1', 'k2'])
        expect((await b.kv.list('ns', {after: 'k1'})).map((e) => e.key)).toEqual(['k2'])
        expect((await b.kv.list('ns', {prefix: 'k', limit: 1})).map((e) => e.key)).toEqual(['k1'])
        expect(await b.kv.namespaces()).toEqual(['ns', 'other'])
        await a.kv.set('ns', 'short', 'soon gone', {ttlMs: 200})
        await eventually(async () => (await b.kv.get('ns', 'short')) === null)
        expect((await b.kv.list('ns')).map((e) => e.key)).toEqual(['k1', 'k2'])
        expect(await b.kv.delete('ns', 'k1')).toBe(true)
        expect(await b.kv.delete('ns', 'k1')).toBe(false)
        await b.kv.delete('ns', 'k2')
        expect(await a.kv.namespaces()).toEqual(['other'])
        await expect(a.kv.set('', 'k', 1)).rejects.toMatchObject({code: 'invalid_input'})
      })

      it('incr is atomic across instances, restarts after its ttl window, and refuses a non-number', async () => {
        const [a, b] = await two()
        const results = await Promise.all(Array.from({length: 40}, (_, i) => (i % 2 === 0 ? a : b).kv.incr('c', 'hits')))
        expect([...results].sort((x, y) => x - y)).toEqual(Array.from({length: 40}, (_, i) => i + 1))
        expect(await a.kv.get('c', 'hits')).toBe(40)
        expect(await a.kv.incr('c', 'win', 5, {ttlMs: 300})).toBe(5)
        await eventually(async () => (await b.kv.get('c', 'win')) === null)
        expect(await b.kv.incr('c', 'win', 1, {ttlMs: 300})).toBe(1)
        await a.kv.set('c', 'text', 'abc')
        await expect(b.kv.incr('c', 'text')).rejects.toMatchObject({code: 'invalid_input'})
      })
    })

    describe('resources', () => {
      it('bytes round-trip between instances with their content type; re-put replaces; URIs are checked', async () => {
        const [a, b] = await two()
        const run = await newRun(a)
        const bytes = Buffer.from(Array.from({length: 4096}, (_, i) => i % 256))
        const put = await a.resources.put(run, bytes, {name: 'blob.bin'})
        expect(put).toEqual({ref: `res://${run}/blob.bin`, size: 4096, contentType: 'application/octet-stream'})
        const got = await b.resources.get(put.ref)
        expect(got.data.equals(bytes)).toBe(true)
        expect(got).toMatchObject({uri: put.ref, size: 4096, contentType: 'application/octet-stream'})
        await b.resources.put(run, 'new', {name: 'blob.bin'})
        expect(await a.resources.get(put.ref)).toMatchObject({size: 3, contentType: 'text/plain; charset=utf-8'})
        const named = await a.resources.put(run, Buffer.from('hi'), {contentType: 'text/x-note'})
        expect(named.ref).toMatch(new RegExp(`^res://${run}/r-[0-9a-f]{16}$`))
        const listed = await b.resources.list({runId: run})
        expect(listed.map((r) => r.uri).sort()).toEqual([`res://${run}/blob.bin`, named.ref].sort())
        expect(listed.find((r) => r.uri === named.ref)).toMatchObject({size: 2, 'content-type': 'text/x-note'})
        await expect(b.resources.get(`res://${run}/missing`)).rejects.toMatchObject({code: 'resource_not_found'})
        await expect(b.resources.get(`res://${run}/..%2f..%2fetc`)).rejects.toMatchObject({code: 'invalid_input'})
        await expect(b.resources.get('res://../../etc/passwd')).rejects.toMatchObject({code: 'invalid_input'})
      })
    })

    describe('webhook deliveries', () => {
      it('what one instance saves, another loads', async () => {
        const [a, b] = await two()
        const now = Date.now()
        expect(await b.webhooks.load()).toEqual({})
        await a.webhooks.save({'delivery:d-1': {run: 'R1', until: now + 60_000}, 'sig:abc': {run: 'R1', until: now + 60_000}})
        expect(await b.webhooks.load()).toEqual({'delivery:d-1': {run: 'R1', until: now + 60_000}, 'sig:abc': {run: 'R1', until: now + 60_000}})
      })
    })

    describe('schedule watermarks', () => {
      it('of many instances claiming one tick exactly one wins; a later tick is claimed again; init keeps marks already there', async () => {
        const [a, b] = await two()
        expect(await a.schedules.read('nightly')).toEqual({})
        await a.schedules.init('nightly', {t0: '2026-01-01T00:00:00.000Z'})
        await b.schedules.init('nightly', {t0: '2030-01-01T00:00:00.000Z', t1: '2026-01-01T00:00:00.000Z'})
        expect(await b.schedules.read('nightly')).toEqual({t0: '2026-01-01T00:00:00.000Z', t1: '2026-01-01T00:00:00.000Z'})
        const tick = '2026-01-01T00:01:00.000Z'
        const wins = await Promise.all(Array.from({length: 8}, (_, i) => (i % 2 ? a : b).schedules.claim('nightly', 't0', tick)))
        expect(wins.filter(Boolean)).toHaveLength(1)
        expect(await a.schedules.claim('nightly', 't0', '2026-01-01T00:00:30.000Z')).toBe(false)
        expect(await b.schedules.claim('nightly', 't0', '2026-01-01T00:02:00.000Z')).toBe(true)
        // A trigger without a mark is claimed by its first tick.
        expect(await a.schedules.claim('other', 't0', tick)).toBe(true)
        expect(await b.schedules.read('nightly')).toEqual({t0: '2026-01-01T00:02:00.000Z', t1: '2026-01-01T00:00:00.000Z'})
      })
    })

    describe('unfinished runs', () => {
      it('lists the snapshots of runs that have not ended, on any instance', async () => {
        const [a, b] = await two()
        const open = await newRun(a)
        const ended = await newRun(a)
        const view = await b.runs.readView(ended)
        await b.runs.writeSnapshot({...view, status: 'completed', seq: view.seq + 1})
        const ids = (await b.runs.unfinished()).map((v) => v.id)
        expect(ids).toContain(open)
        expect(ids).not.toContain(ended)
      })

      it('held names the runs with a live lease holder, keysOf the inbox keys of each run, for many runs in one call', async () => {
        const [a, b] = await two()
        const [r1, r2, r3] = [await newRun(a), await newRun(a), await newRun(a)]
        const lease = await a.leases.tryAcquire(r1)
        expect(await b.leases.held([r1, r2, r3])).toEqual(new Set([r1]))
        await lease!.release()
        expect(await b.leases.held([r1, r2, r3])).toEqual(new Set())
        const entry = (key: string) => ({key, payload: {ok: true}, source: 'cli' as const, at: new Date().toISOString()})
        await a.inbox.post(r2, entry('k1'))
        await a.inbox.post(r2, entry('k2'))
        await a.inbox.post(r3, entry('k1'))
        const keys = await b.inbox.keysOf([r1, r2, r3])
        expect(keys.get(r1)).toBeUndefined()
        expect([...(keys.get(r2) ?? [])].sort()).toEqual(['k1', 'k2'])
        expect(keys.get(r3)).toEqual(['k1'])
        expect(await b.inbox.keysOf([])).toEqual(new Map())
      })
    })

    describe('callback key', () => {
      it('is created once and the same for every instance, also one opened later', async () => {
        const [a, b] = await two()
        const [ka, kb] = await Promise.all([a.callbackKey(), b.callbackKey()])
        expect(ka.length).toBeGreaterThanOrEqual(32)
        expect(ka.equals(kb)).toBe(true)
        const c = await backing!.open()
        expect((await c.callbackKey()).equals(ka)).toBe(true)
      })
    })
  })
}
