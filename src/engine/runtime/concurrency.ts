/**
 * Concurrency policies (SPEC §5): who may start now, who queues, who is skipped, who is
 * cancelled. Every decision is made under the flow's queue lock (QueueStore.withQueue;
 * files: `queue/<slug>.lock`, an O_EXCL pid file), around "read the flow's active runs + create or admit the run", so two
 * processes starting a singleton at the same instant cannot both get the slot.
 *
 * The flow's active runs live in a small index (the flow's queue in the store; files:
 * `queue/<slug>.json`), so admission never scans `runs/`. An entry is `queued` (waiting for a slot) or `admitted` (holding one). The index is
 * self-healing: whoever holds the lock drops entries whose run has ended (read from the run's
 * journal, the source of truth), so a run that finished in a process that died right after
 * still frees its slot. The process that finishes a run also drops its entry at once.
 *
 * Lock order: a blocking wait is only ever run lock → queue lock (the executor finishing a run,
 * a queued run admitting itself). Under the queue lock a run lock is only *tried*, never
 * waited for, so the two can never deadlock.
 */
import {fromJson, toJson} from '../edn/json.js'
import {field, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import type {FlowSource} from '../flow/releases.js'
import type {Concurrency} from '../flow/types.js'
import type {QueueEntry, QueueUpdate} from '../store/types.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {projectRun, type RunView} from '../journal/projection.js'

export type {QueueEntry} from '../store/types.js'

/** The key of a run under a keyed policy: the values at the key paths, as JSON. */
export function concurrencyKey(c: Concurrency, input: Value): string | null {
  if (c.type !== 'keyed') return null
  const values = c.key.map((path) => {
    let v: Value | undefined = input
    for (const k of path) v = field(v, k)
    return toJson(v ?? null)
  })
  return JSON.stringify(values)
}

/** A keyed run must carry every key path in its input: without it, all such runs would share one slot group (null). */
function assertKeyPaths(c: Concurrency, slug: string, input: Value): void {
  if (c.type !== 'keyed') return
  for (const path of c.key) {
    let v: Value | undefined = input
    for (const k of path) v = field(v, k)
    if (v === undefined || v === null) {
      const shown = path.map((k) => ':' + k).join(' ')
      throw new BreytaError(
        'invalid_input',
        `flow "${slug}" limits runs per key (:concurrency {:type :keyed :key [[${shown}]]}), but the run input has no [${shown}]`,
        {
          hint: `Give the run input that field, e.g. --input '${JSON.stringify(path.reduceRight<unknown>((inner, k) => ({[k]: inner}), '…'))}'.`,
          details: {path, flow: slug},
        },
      )
    }
  }
}

function limitOf(c: Concurrency): number | null {
  return c.type === 'unlimited' ? null : c.type === 'keyed' ? c.max : 1
}

/** The run's journal view, or undefined when the run is gone or has no journal yet. */
async function runView(ws: Workspace, runId: string): Promise<RunView | undefined> {
  try {
    return projectRun((await ws.store.journals.read(runId)).events)
  } catch {
    return undefined
  }
}

async function entryFor(ws: Workspace, view: RunView): Promise<QueueEntry> {
  let c: Concurrency = {type: 'unlimited', onNewVersion: 'drain'}
  try {
    c = parseFlow(await ws.store.runs.readPinnedFlow(view.id)).concurrency
  } catch {
    // an unreadable pinned flow cannot run either; it counts as unlimited
  }
  const input = view.input
  return {
    run: view.id,
    key: concurrencyKey(c, fromJson(input)),
    limit: limitOf(c),
    state: view.status === 'queued' ? 'queued' : 'admitted',
    target: view.target,
    version: view.version,
  }
}

/**
 * Every time the index size reaches a multiple of this, a load checks all entries, so entries
 * left by finishers that died before dropping theirs stay bounded (sizes move by one per
 * admission, so growth always lands on the next multiple) at amortized O(1) per admission.
 */
const FULL_CHECK_EVERY = 256

/**
 * The flow's entries as stored (under the queue lock), dropping ended runs among those `check`
 * selects (the slot group a decision is about: its liveness is read from each run's journal, so
 * cost follows the group, not the number of parked runs of an unlimited flow). A missing index
 * (first run of the flow, or `queue/` deleted) is rebuilt once from the run snapshots.
 */
async function loadIndex(ws: Workspace, slug: string, stored: QueueEntry[] | undefined, check: (e: QueueEntry) => boolean = () => true): Promise<QueueEntry[]> {
  const entries = stored ?? (await rebuild(ws, slug))
  const all = entries.length > 0 && entries.length % FULL_CHECK_EVERY === 0
  const out: QueueEntry[] = []
  for (const e of entries) {
    if (!all && !check(e)) {
      out.push(e)
      continue
    }
    const v = await runView(ws, e.run)
    if (!v || TERMINAL_STATUSES.includes(v.status)) continue
    if (e.state === 'queued' && v.status !== 'queued') e.state = 'admitted'
    out.push(e)
  }
  return out
}

async function rebuild(ws: Workspace, slug: string): Promise<QueueEntry[]> {
  const out: QueueEntry[] = []
  for (const id of (await ws.store.runs.listIds()).reverse()) {
    const snap = await ws.store.runs.readSnapshot(id)
    if (!snap || snap.flow !== slug || TERMINAL_STATUSES.includes(snap.status)) continue
    const v = await runView(ws, id)
    if (v && !TERMINAL_STATUSES.includes(v.status)) out.push(await entryFor(ws, v))
  }
  return out
}

function pidAlive(pid: number | null | undefined): boolean {
  if (pid === null || pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The slot group of `key`; with `skipOrphans`, queued runs nobody waits for are not in line. */
function group(entries: QueueEntry[], key: string | null, skipOrphans = false): {admitted: QueueEntry[]; queued: QueueEntry[]} {
  const same = entries.filter((e) => e.key === key && e.limit !== null)
  const queued = same.filter((e) => e.state === 'queued' && (!skipOrphans || e.waiter === process.pid || pidAlive(e.waiter)))
  return {admitted: same.filter((e) => e.state === 'admitted'), queued: queued.sort((a, b) => (a.run < b.run ? -1 : 1))}
}

export interface AdmissionRequest {
  id: string
  slug: string
  input: Value
  source: FlowSource
  /** The flow's policy; absent means unlimited. */
  concurrency?: Concurrency
}

/** What admission decided: the run was created (started or queued), or these runs must be cancelled first. */
export type AdmissionDecision = {view: RunView} | {cancel: string[]}

/**
 * createRun's admission: create the run (through `create`) as started or queued, refuse it
 * (`:skip` → run_not_active, exit 4, details.active lists the runs in the way), or name the
 * runs in the way (`:cancel-previous`): the caller cancels them and asks again.
 */
export async function admitNewRun(ws: Workspace, req: AdmissionRequest, create: (queued: boolean) => Promise<RunView>): Promise<AdmissionDecision> {
  const c: Concurrency = req.concurrency ?? {type: 'unlimited', onNewVersion: 'drain'}
  assertKeyPaths(c, req.slug, req.input)
  const key = concurrencyKey(c, req.input)
  const limit = limitOf(c)
  const entry = (state: QueueEntry['state']): QueueEntry => ({
    run: req.id,
    key,
    limit,
    state,
    ...(state === 'queued' ? {waiter: process.pid} : {}),
    target: req.source.target,
    version: req.source.version,
  })
  // Unlimited flows have no slots to count: no lock, no index write on the hot path. Their
  // active runs are found by a scan when `:supersede` needs them (see unindexedLiveRuns).
  if (limit === null) return {view: await create(false)}
  const decision = await ws.store.queue.withQueue(req.slug, async (stored): Promise<QueueUpdate<AdmissionDecision | {skip: BreytaError}>> => {
    const entries = await loadIndex(ws, req.slug, stored, (e) => e.key === key)
    const {admitted, queued} = group(entries, key)
    const inLine = group(entries, key, true).queued
    if (admitted.length < limit && inLine.length === 0) {
      const view = await create(false)
      return {entries: [...entries, entry('admitted')], result: {view}}
    }
    const onConflict = c.type === 'unlimited' ? 'queue' : c.onConflict
    if (onConflict === 'queue') {
      const view = await create(true)
      return {entries: [...entries, entry('queued')], result: {view}}
    }
    if (onConflict === 'skip') {
      const active = [...admitted, ...queued].map((e) => e.run)
      const skip = new BreytaError(
        'run_not_active',
        `flow "${req.slug}" already has ${active.length === 1 ? 'an active run' : `${active.length} active runs`}${key === null ? '' : ` for key ${key}`} and its concurrency policy skips new runs (:on-conflict :skip); no run was created`,
        {
          hint: `Wait for ${active.join(', ')} to finish (\`breyta runs show ${active[0]}\`), or cancel it with \`breyta runs cancel ${active[0]}\`.`,
          details: {flow: req.slug, key: key === null ? null : JSON.parse(key), active, policy: 'skip'},
        },
      )
      // The pruned index is still written: what was read from the journals stays known.
      return {entries, result: {skip}}
    }
    // cancel-previous: every queued run of the group, and the oldest admitted ones until one slot is free.
    const oldest = [...admitted].sort((a, b) => (a.run < b.run ? -1 : 1))
    return {result: {cancel: [...queued.map((e) => e.run), ...oldest.slice(0, admitted.length - limit + 1).map((e) => e.run)]}}
  })
  if ('skip' in decision) throw decision.skip
  return decision
}

/** Append run_admitted to a queued run's journal; the caller holds the run's lease. */
async function markAdmitted(ws: Workspace, runId: string): Promise<boolean> {
  const read = await ws.store.journals.read(runId)
  const {events} = read
  const view = projectRun(events)
  if (!view || view.status !== 'queued') return false
  const written = await ws.store.journals.appendAfter(runId, read, {type: 'run_admitted', at: new Date().toISOString(), pid: process.pid})
  await ws.store.runs.writeSnapshot(projectRun([...events, ...written])!)
  await ws.store.signals.noteChanged(runId)
  return true
}

/**
 * A queued run tries to take a slot for itself (advanceRun calls this holding the run lease):
 * admitted only when it is first in line (FIFO by run id) in its group and a slot is free.
 */
export async function admitSelf(ws: Workspace, runId: string): Promise<boolean> {
  const view = await runView(ws, runId)
  if (!view || view.status !== 'queued') return false
  if (await ws.store.runs.cancelRequested(runId)) return false
  if (await plainlyBlocked(ws, view.flow, runId)) return false
  let entered = false
  try {
    return await ws.store.queue.withQueue(
      view.flow,
      async (stored): Promise<QueueUpdate<boolean>> => {
        entered = true
        const known = stored?.find((e) => e.run === runId)
        const entries = await loadIndex(ws, view.flow, stored, (e) => e.limit !== null && (known === undefined || e.key === known.key))
        const before = JSON.stringify(entries)
        let me = entries.find((e) => e.run === runId)
        if (!me) {
          me = await entryFor(ws, view)
          entries.push(me)
        }
        me.waiter = process.pid
        const {admitted, queued} = group(entries, me.key, true)
        const free = me.limit === null || admitted.length < me.limit
        const first = me.limit === null || queued[0]?.run === runId
        if (!free || !first) return {...(before !== JSON.stringify(entries) ? {entries} : {}), result: false}
        const ok = await markAdmitted(ws, runId)
        if (ok) me.state = 'admitted'
        return {entries, result: ok}
      },
      {timeoutMs: 2000},
    )
  } catch (err) {
    if (entered) throw err
    return false // the queue is busy: the next poll tries again
  }
}

/**
 * A lock-free look at the index: true when a live run (per its journal) still holds every slot
 * of this run's group, or a live queued run is ahead of it. Queued runs poll (every 100 ms in
 * each waiting CLI), so this keeps the common "still blocked" answer free of locks and writes.
 * False means "maybe": the decision itself is always made under the lock.
 */
async function plainlyBlocked(ws: Workspace, slug: string, runId: string): Promise<boolean> {
  const entries = await ws.store.queue.read(slug)
  const me = entries?.find((e) => e.run === runId)
  if (!entries || !me || me.limit === null || me.waiter !== process.pid) return false
  const alive = async (e: QueueEntry) => {
    const v = await runView(ws, e.run)
    return v !== undefined && !TERMINAL_STATUSES.includes(v.status)
  }
  const {admitted, queued} = group(entries, me.key, true)
  for (const e of queued) if (e.run < runId && (await alive(e))) return true
  let holding = 0
  for (const e of admitted) if ((await alive(e)) && ++holding >= me.limit) return true
  return false
}

/**
 * Admit the queued runs of a flow that now have a slot, first in line first, and return their
 * ids (the daemon executes them). A queued run whose lease is held right now is left to the
 * process holding it, which admits it itself; the runs behind it keep their place.
 */
export async function admitQueued(ws: Workspace, slug: string): Promise<string[]> {
  if ((await ws.store.queue.read(slug)) === undefined) return []
  return ws.store.queue.withQueue(slug, async (stored): Promise<QueueUpdate<string[]>> => {
    const entries = await loadIndex(ws, slug, stored, (e) => e.limit !== null)
    const out: string[] = []
    const keys = [...new Set(entries.filter((e) => e.state === 'queued').map((e) => e.key))]
    for (const key of keys) {
      for (;;) {
        const {admitted, queued} = group(entries, key)
        const next = queued[0]
        if (!next || (next.limit !== null && admitted.length >= next.limit)) break
        if (await ws.store.runs.cancelRequested(next.run)) break
        const lease = await ws.store.leases.tryAcquire(next.run, 'admission')
        if (!lease) break
        try {
          if (await markAdmitted(ws, next.run)) out.push(next.run)
          const v = await runView(ws, next.run)
          if (!v || TERMINAL_STATUSES.includes(v.status)) entries.splice(entries.indexOf(next), 1)
          else next.state = 'admitted'
        } finally {
          await lease.release()
        }
      }
    }
    return {entries, result: out}
  })
}

/** Slugs that have queued runs waiting for a slot (for the daemon's sweep). */
export function flowsWithQueuedRuns(ws: Workspace): Promise<string[]> {
  return ws.store.queue.slugs()
}

/** True when the flow's queue holds a run waiting for a slot (a lock-free read). */
export async function hasQueuedRuns(ws: Workspace, slug: string): Promise<boolean> {
  return (await ws.store.queue.read(slug))?.some((e) => e.state === 'queued') ?? false
}

/** A run ended: drop it from its flow's index so its slot is free at once. */
export async function releaseSlot(ws: Workspace, view: RunView): Promise<void> {
  if (!TERMINAL_STATUSES.includes(view.status) || (await ws.store.queue.read(view.flow)) === undefined) return
  try {
    await ws.store.queue.withQueue(
      view.flow,
      async (stored) => ({entries: await loadIndex(ws, view.flow, stored, (e) => e.run === view.id), result: undefined}),
      {timeoutMs: 5000},
    )
  } catch {
    // the next admission prunes it anyway
  }
}

/** Active runs of a flow (queued or admitted), oldest first. */
export async function activeRuns(ws: Workspace, slug: string): Promise<QueueEntry[]> {
  return ws.store.queue.withQueue(slug, async (stored) => {
    const entries = await loadIndex(ws, slug, stored)
    return {entries, result: entries}
  })
}

/**
 * Active live runs of a flow on another version that the index does not track (runs of an
 * `:unlimited` version skip it). A scan of snapshots, acceptable for a promote, not for admission.
 */
export async function unindexedLiveRuns(ws: Workspace, slug: string, version: number): Promise<string[]> {
  const out: string[] = []
  for (const id of await ws.store.runs.listIds()) {
    const v = await ws.store.runs.readSnapshot(id)
    if (v && v.flow === slug && v.target === 'live' && v.version !== null && v.version !== version && !TERMINAL_STATUSES.includes(v.status)) out.push(id)
  }
  return out
}
