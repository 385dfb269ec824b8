/**
 * Concurrency policies (SPEC §5): who may start now, who queues, who is skipped, who is
 * cancelled. Every decision is made under the flow's queue lock (`queue/<slug>.lock`, an
 * O_EXCL pid file), around "read the flow's active runs + create or admit the run", so two
 * processes starting a singleton at the same instant cannot both get the slot.
 *
 * The flow's active runs live in a small index, `queue/<slug>.json`, so admission never scans
 * `runs/`. An entry is `queued` (waiting for a slot) or `admitted` (holding one). The index is
 * self-healing: whoever holds the lock drops entries whose run has ended (read from the run's
 * journal, the source of truth), so a run that finished in a process that died right after
 * still frees its slot. The process that finishes a run also drops its entry at once.
 *
 * Lock order: a blocking wait is only ever run lock → queue lock (the executor finishing a run,
 * a queued run admitting itself). Under the queue lock a run lock is only *tried*, never
 * waited for, so the two can never deadlock.
 */
import fs from 'node:fs'
import {fromJson, toJson} from '../edn/json.js'
import {field, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import {releasedFlow} from '../flow/releases.js'
import type {Concurrency} from '../flow/types.js'
import {appendAfter, readJournal} from '../store/fs/journal.js'
import {lock, tryLock} from '../store/fs/lock.js'
import {listRunIds, readPinnedFlow, readRunSnapshot, writeRunSnapshot} from '../store/fs/run-store.js'
import {noteRunChanged} from '../store/fs/signals.js'
import {readJsonFile, writeSnapshot} from '../store/fs/snapshot.js'
import {TERMINAL_STATUSES, type Target} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {cancelRun, type FlowSource} from './runs.js'

/** One active run of a flow, as the queue index keeps it. */
export interface QueueEntry {
  run: string
  /** Slot group: null for singleton/unlimited, the JSON of the key values for keyed. */
  key: string | null
  /** Runs allowed at once in this entry's group; null = unlimited. */
  limit: number | null
  state: 'queued' | 'admitted'
  /**
   * pid of the process waiting to execute a queued run (the CLI that started it, the daemon, a
   * `runs resume`). A queued run whose waiter is gone (Ctrl-C on `flows run`) is passed over,
   * so it cannot block the line until someone resumes it; the daemon adopts it.
   */
  waiter?: number | null
  target: Target
  version: number | null
}

interface QueueIndex {
  entries: QueueEntry[]
}

const QUEUE_LOCK_TIMEOUT_MS = 30_000

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
      throw new BreytaError('invalid_input', `flow "${slug}" limits runs per key (:concurrency {:type :keyed :key [[${shown}]]}), but the run input has no [${shown}]`, {
        hint: `Give the run input that field, e.g. --input '${JSON.stringify(path.reduceRight<unknown>((inner, k) => ({[k]: inner}), '…'))}'.`,
        details: {path, flow: slug},
      })
    }
  }
}

function limitOf(c: Concurrency): number | null {
  return c.type === 'unlimited' ? null : c.type === 'keyed' ? c.max : 1
}

/** Run `fn` holding the flow's queue lock. */
export async function withQueueLock<T>(ws: Workspace, slug: string, fn: () => T | Promise<T>, timeoutMs = QUEUE_LOCK_TIMEOUT_MS): Promise<T> {
  fs.mkdirSync(ws.layout.queueDir, {recursive: true})
  const l = await lock(ws.layout.queueLock(slug), {timeoutMs, purpose: 'admission'})
  if (!l) throw new BreytaError('internal', `the queue lock of flow "${slug}" stayed held for ${timeoutMs} ms`, {hint: 'Another breyta process is stuck holding it; it is freed when that process exits.'})
  try {
    return await fn()
  } finally {
    l.release()
  }
}

/** The run's journal view, or undefined when the run is gone or has no journal yet. */
function runView(ws: Workspace, runId: string): RunView | undefined {
  try {
    return projectRun(readJournal(ws.layout.runJournal(runId)).events)
  } catch {
    return undefined
  }
}

function entryFor(ws: Workspace, view: RunView): QueueEntry {
  let c: Concurrency = {type: 'unlimited', onNewVersion: 'drain'}
  try {
    c = parseFlow(readPinnedFlow(ws.layout, view.id)).concurrency
  } catch {
    // an unreadable pinned flow cannot run either; it counts as unlimited
  }
  const input = view.input
  return {run: view.id, key: concurrencyKey(c, fromJson(input)), limit: limitOf(c), state: view.status === 'queued' ? 'queued' : 'admitted', target: view.target, version: view.version}
}

/**
 * Every time the index size reaches a multiple of this, a load checks all entries, so entries
 * left by finishers that died before dropping theirs stay bounded (sizes move by one per
 * admission, so growth always lands on the next multiple) at amortized O(1) per admission.
 */
const FULL_CHECK_EVERY = 256

/**
 * Load the flow's index, dropping ended runs among those `check` selects (the slot group a
 * decision is about: its liveness is read from each run's journal, so cost follows the group,
 * not the number of parked runs of an unlimited flow). A missing index (first run of the flow,
 * or `queue/` deleted) is rebuilt once from the run snapshots.
 */
function loadIndex(ws: Workspace, slug: string, check: (e: QueueEntry) => boolean = () => true): QueueEntry[] {
  const stored = readJsonFile<QueueIndex>(ws.layout.queueIndex(slug))
  const entries = stored?.entries ?? rebuild(ws, slug)
  const all = entries.length > 0 && entries.length % FULL_CHECK_EVERY === 0
  return entries.filter((e) => {
    if (!all && !check(e)) return true
    const v = runView(ws, e.run)
    if (!v || TERMINAL_STATUSES.includes(v.status)) return false
    if (e.state === 'queued' && v.status !== 'queued') e.state = 'admitted'
    return true
  })
}

function rebuild(ws: Workspace, slug: string): QueueEntry[] {
  const out: QueueEntry[] = []
  for (const id of listRunIds(ws.layout).reverse()) {
    const snap = readRunSnapshot(ws.layout, id)
    if (!snap || snap.flow !== slug || TERMINAL_STATUSES.includes(snap.status)) continue
    const v = runView(ws, id)
    if (v && !TERMINAL_STATUSES.includes(v.status)) out.push(entryFor(ws, v))
  }
  return out
}

function saveIndex(ws: Workspace, slug: string, entries: QueueEntry[]): void {
  entries.sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0))
  writeSnapshot(ws.layout.queueIndex(slug), {entries} satisfies QueueIndex)
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
  concurrency: unknown
}

/**
 * createRun's admission: create the run (through `create`) as started or queued, refuse it
 * (`:skip` → run_not_active, exit 4, details.active lists the runs in the way), or cancel the
 * runs in the way and then start it (`:cancel-previous`).
 */
export async function admitNewRun(ws: Workspace, req: AdmissionRequest, create: (queued: boolean) => RunView): Promise<RunView> {
  const c = (req.concurrency ?? {type: 'unlimited', onNewVersion: 'drain'}) as Concurrency
  assertKeyPaths(c, req.slug, req.input)
  const key = concurrencyKey(c, req.input)
  const limit = limitOf(c)
  const entry = (state: QueueEntry['state']): QueueEntry => ({run: req.id, key, limit, state, ...(state === 'queued' ? {waiter: process.pid} : {}), target: req.source.target, version: req.source.version})
  // Unlimited flows have no slots to count: no lock, no index write on the hot path. Their
  // active runs are found by a scan when `:supersede` needs them (see activeLiveRuns).
  if (limit === null) return create(false)
  for (let round = 0; round < 50; round++) {
    const outcome = await withQueueLock(ws, req.slug, (): {view: RunView} | {cancel: string[]} => {
      const entries = loadIndex(ws, req.slug, (e) => limit !== null && e.key === key)
      const {admitted, queued} = group(entries, key)
      const inLine = group(entries, key, true).queued
      if (limit === null || (admitted.length < limit && inLine.length === 0)) {
        const view = create(false)
        saveIndex(ws, req.slug, [...entries, entry('admitted')])
        return {view}
      }
      const onConflict = c.type === 'unlimited' ? 'queue' : c.onConflict
      if (onConflict === 'queue') {
        const view = create(true)
        saveIndex(ws, req.slug, [...entries, entry('queued')])
        return {view}
      }
      if (onConflict === 'skip') {
        saveIndex(ws, req.slug, entries)
        const active = [...admitted, ...queued].map((e) => e.run)
        throw new BreytaError('run_not_active', `flow "${req.slug}" already has ${active.length === 1 ? 'an active run' : `${active.length} active runs`}${key === null ? '' : ` for key ${key}`} and its concurrency policy skips new runs (:on-conflict :skip); no run was created`, {
          hint: `Wait for ${active.join(', ')} to finish (\`breyta runs show ${active[0]}\`), or cancel it with \`breyta runs cancel ${active[0]}\`.`,
          details: {flow: req.slug, key: key === null ? null : JSON.parse(key), active, policy: 'skip'},
        })
      }
      // cancel-previous: every queued run of the group, and the oldest admitted ones until one slot is free.
      const oldest = [...admitted].sort((a, b) => (a.run < b.run ? -1 : 1))
      return {cancel: [...queued.map((e) => e.run), ...oldest.slice(0, admitted.length - limit + 1).map((e) => e.run)]}
    })
    if ('view' in outcome) return outcome.view
    for (const id of outcome.cancel) {
      try {
        await cancelRun(ws, id, {reason: `cancelled by newer run ${req.id} (:on-conflict :cancel-previous)`})
      } catch (err) {
        if ((err as BreytaError).code !== 'run_not_active' && (err as BreytaError).code !== 'run_not_found') throw err
      }
    }
  }
  throw new BreytaError('internal', `could not free a slot of flow "${req.slug}" after 50 rounds of :cancel-previous`, {hint: 'Other processes keep starting runs of this flow; try again.'})
}

/** Append run_admitted to a queued run's journal; the caller holds the run's lock. */
function markAdmitted(ws: Workspace, runId: string): boolean {
  const read = readJournal(ws.layout.runJournal(runId))
  const {events} = read
  const view = projectRun(events)
  if (!view || view.status !== 'queued') return false
  const written = appendAfter(ws.layout.runJournal(runId), read, {type: 'run_admitted', at: new Date().toISOString(), pid: process.pid})
  writeRunSnapshot(ws.layout, projectRun([...events, ...written])!)
  noteRunChanged(ws.layout, runId)
  return true
}

/**
 * A queued run tries to take a slot for itself (advanceRun calls this holding the run lock):
 * admitted only when it is first in line (FIFO by run id) in its group and a slot is free.
 */
export async function admitSelf(ws: Workspace, runId: string): Promise<boolean> {
  const view = runView(ws, runId)
  if (!view || view.status !== 'queued') return false
  if (fs.existsSync(ws.layout.runCancelMarker(runId))) return false
  if (plainlyBlocked(ws, view.flow, runId)) return false
  let l
  try {
    fs.mkdirSync(ws.layout.queueDir, {recursive: true})
    l = await lock(ws.layout.queueLock(view.flow), {timeoutMs: 2000, purpose: 'admission'})
  } catch {
    return false
  }
  if (!l) return false // busy: the next poll tries again
  try {
    const known = readJsonFile<QueueIndex>(ws.layout.queueIndex(view.flow))?.entries.find((e) => e.run === runId)
    const entries = loadIndex(ws, view.flow, (e) => e.limit !== null && (known === undefined || e.key === known.key))
    const before = JSON.stringify(entries)
    let me = entries.find((e) => e.run === runId)
    if (!me) {
      me = entryFor(ws, view)
      entries.push(me)
    }
    me.waiter = process.pid
    const {admitted, queued} = group(entries, me.key, true)
    const free = me.limit === null || admitted.length < me.limit
    const first = me.limit === null || queued[0]?.run === runId
    if (!free || !first) {
      if (before !== JSON.stringify(entries)) saveIndex(ws, view.flow, entries)
      return false
    }
    const ok = markAdmitted(ws, runId)
    if (ok) me.state = 'admitted'
    saveIndex(ws, view.flow, entries)
    return ok
  } finally {
    l.release()
  }
}

/**
 * A lock-free look at the index: true when a live run (per its journal) still holds every slot
 * of this run's group, or a live queued run is ahead of it. Queued runs poll (every 100 ms in
 * each waiting CLI), so this keeps the common "still blocked" answer free of locks and writes.
 * False means "maybe": the decision itself is always made under the lock.
 */
function plainlyBlocked(ws: Workspace, slug: string, runId: string): boolean {
  const entries = readJsonFile<QueueIndex>(ws.layout.queueIndex(slug))?.entries
  const me = entries?.find((e) => e.run === runId)
  if (!entries || !me || me.limit === null || me.waiter !== process.pid) return false
  const alive = (e: QueueEntry) => {
    const v = runView(ws, e.run)
    return v !== undefined && !TERMINAL_STATUSES.includes(v.status)
  }
  const {admitted, queued} = group(entries, me.key, true)
  if (queued.some((e) => e.run < runId && alive(e))) return true
  let holding = 0
  for (const e of admitted) if (alive(e) && ++holding >= me.limit) return true
  return false
}

/**
 * Admit the queued runs of a flow that now have a slot, first in line first, and return their
 * ids (the daemon executes them). A queued run whose lock is held right now is left to the
 * process holding it, which admits it itself; the runs behind it keep their place.
 */
export async function admitQueued(ws: Workspace, slug: string): Promise<string[]> {
  if (!fs.existsSync(ws.layout.queueIndex(slug))) return []
  return withQueueLock(ws, slug, () => {
    const entries = loadIndex(ws, slug, (e) => e.limit !== null)
    const out: string[] = []
    const keys = [...new Set(entries.filter((e) => e.state === 'queued').map((e) => e.key))]
    for (const key of keys) {
      for (;;) {
        const {admitted, queued} = group(entries, key)
        const next = queued[0]
        if (!next || (next.limit !== null && admitted.length >= next.limit)) break
        if (fs.existsSync(ws.layout.runCancelMarker(next.run))) break
        const l = tryLock(ws.layout.runLock(next.run), 'admission')
        if (!l) break
        try {
          if (markAdmitted(ws, next.run)) out.push(next.run)
          const v = runView(ws, next.run)
          if (!v || TERMINAL_STATUSES.includes(v.status)) entries.splice(entries.indexOf(next), 1)
          else next.state = 'admitted'
        } finally {
          l.release()
        }
      }
    }
    saveIndex(ws, slug, entries)
    return out
  })
}

/** Slugs that have queued runs waiting for a slot (for the daemon's sweep). */
export function flowsWithQueuedRuns(ws: Workspace): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(ws.layout.queueDir)
  } catch {
    return []
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((slug) => readJsonFile<QueueIndex>(ws.layout.queueIndex(slug))?.entries.some((e) => e.state === 'queued'))
    .sort()
}

/** A run ended: drop it from its flow's index so its slot is free at once. */
export async function releaseSlot(ws: Workspace, view: RunView): Promise<void> {
  if (!TERMINAL_STATUSES.includes(view.status) || !fs.existsSync(ws.layout.queueIndex(view.flow))) return
  try {
    await withQueueLock(ws, view.flow, () => saveIndex(ws, view.flow, loadIndex(ws, view.flow, (e) => e.run === view.id)), 5000)
  } catch {
    // the next admission prunes it anyway
  }
}

/** Active runs of a flow (queued or admitted), oldest first. */
export async function activeRuns(ws: Workspace, slug: string): Promise<QueueEntry[]> {
  return withQueueLock(ws, slug, () => {
    const entries = loadIndex(ws, slug)
    saveIndex(ws, slug, entries)
    return entries
  })
}

/**
 * Active live runs of a flow on another version that the index does not track (runs of an
 * `:unlimited` version skip it). A scan of snapshots, acceptable for a promote, not for admission.
 */
function unindexedLiveRuns(ws: Workspace, slug: string, version: number): string[] {
  const out: string[] = []
  for (const id of listRunIds(ws.layout)) {
    const v = readRunSnapshot(ws.layout, id)
    if (v && v.flow === slug && v.target === 'live' && v.version !== null && v.version !== version && !TERMINAL_STATUSES.includes(v.status)) out.push(id)
  }
  return out
}

/**
 * After `version` became live: with `:on-new-version :supersede` (read from that version's
 * definition) cancel the flow's active live runs pinned to any other version; with `:drain`
 * (the default) let them finish. Draft runs are never touched. Returns the cancelled run ids.
 */
export async function supersedeOtherVersions(ws: Workspace, slug: string, version: number): Promise<string[]> {
  const policy = releasedFlow(ws, slug, version).concurrency.onNewVersion
  if (policy !== 'supersede') return []
  const indexed = (await activeRuns(ws, slug)).filter((e) => e.target === 'live' && e.version !== null && e.version !== version).map((e) => e.run)
  const victims = [...new Set([...indexed, ...unindexedLiveRuns(ws, slug, version)])]
  const cancelled: string[] = []
  for (const id of victims) {
    try {
      const v = await cancelRun(ws, id, {reason: `superseded by v${version} of ${slug} (:on-new-version :supersede)`})
      if (v.status === 'cancelled') cancelled.push(id)
    } catch (err) {
      if ((err as BreytaError).code !== 'run_not_active') throw err
    }
  }
  return cancelled
}
