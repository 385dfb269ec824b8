/**
 * The `Store` on today's files under `.breyta/` (SPEC §2): the first implementation of
 * store/types.ts, built from the modules beside it, which keep every durability property they
 * had (fsync and rename, O_EXCL links for the inbox, group commit in the journal writer, torn
 * tail repair, journal_corrupt, storage_error). Nothing here is new file work: each method is
 * the call the engine used to make with a path.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {BreytaError, isStorageErrno, storageError} from '../../errors.js'
import type {JournalEvent, UnsequencedEvent} from '../../journal/events.js'
import type {RunView} from '../../journal/projection.js'
import type {
  InboxStore,
  JournalHandle,
  JournalRead,
  JournalStore,
  KvStore,
  LeaseStore,
  QueueEntry,
  QueueStore,
  QueueUpdate,
  ResourceStore,
  RunChangeWatch,
  RunLease,
  RunOwner,
  RunStore,
  ScheduleMarkStore,
  SeenWebhook,
  SignalStore,
  Store,
  WebhookDeliveryStore,
} from '../types.js'
import {TERMINAL_STATUSES} from '../../journal/events.js'
import {claimInbox, inboxHas, isClaim, postToInbox, prepareInbox, readInbox, unclaimInbox} from './inbox.js'
import {appendAfter, flushOffThread, JournalWriter, readJournal} from './journal.js'
import {openKvStore, type KvStore as OpenKvStore} from './kv-store.js'
import {isLockHeld, lock, LockOwners, readLockOwner, tryLock, type Lock} from './lock.js'
import type {WorkspaceLayout} from './paths.js'
import {getResource, listResources, putResource} from './resource-store.js'
import {newRunId} from './run-id.js'
import {assertRunExists, createRunFiles, listRunIds, readPinnedFlow, readRunSnapshot, readRunView, runExists, writeRunSnapshot} from './run-store.js'
import {scheduleMarkStore} from './schedule-marks.js'
import {SpareRunDirs} from './spare-runs.js'
import {clearSignal, consumeSignals, muteSignals, noteRunChanged, pendingSignals, signalRun, watchRunChanges} from './signals.js'
import {readJsonFile, removeIfThere, writeSnapshot} from './snapshot.js'
import {noteWaiting, waitingRunIds} from './waiting-index.js'
import {readSeenWebhooks, writeSeenWebhooks} from './webhook-store.js'

const QUEUE_LOCK_TIMEOUT_MS = 30_000

/** A run lock as a lease. */
function lease(runId: string, l: Lock): RunLease {
  return {runId, owner: `pid ${process.pid}`, release: async () => l.release()}
}

/** A run's JournalWriter as the store's handle: `append` is the grouped append. */
class FileJournal implements JournalHandle {
  constructor(private readonly writer: JournalWriter) {}

  get lastSeq(): number {
    return this.writer.lastSeq
  }

  append(...events: UnsequencedEvent[]): JournalEvent[] {
    return this.writer.appendGrouped(...events)
  }

  appendUnsynced(...events: UnsequencedEvent[]): JournalEvent[] {
    return this.writer.appendUnsynced(...events)
  }

  async appendNow(...events: UnsequencedEvent[]): Promise<JournalEvent[]> {
    // One write and a synchronous fdatasync, as before: on disk when this resolves.
    return this.writer.append(...events)
  }

  durable(): Promise<void> {
    return this.writer.durable()
  }

  redactWith(fn: (e: UnsequencedEvent) => UnsequencedEvent): this {
    this.writer.redactWith(fn)
    return this
  }

  async close(): Promise<void> {
    this.writer.close()
  }
}

export class FsStore implements Store {
  readonly kind = 'files' as const
  readonly runs: RunStore
  readonly journals: JournalStore
  readonly leases: LeaseStore
  readonly inbox: InboxStore
  readonly queue: QueueStore
  readonly signals: SignalStore
  readonly webhooks: WebhookDeliveryStore
  readonly kv: KvStore
  readonly resources: ResourceStore
  readonly schedules: ScheduleMarkStore
  private kvDb?: OpenKvStore
  private key?: Buffer

  constructor(readonly layout: WorkspaceLayout) {
    this.runs = runStore(layout)
    this.journals = journalStore(layout)
    this.leases = leaseStore(layout)
    this.inbox = {
      post: async (runId, entry) => {
        if (await postToInbox(layout, runId, entry)) return true
        if (!(await this.orphanedClaim(runId, entry.key))) return false
        unclaimInbox(layout, runId, entry.key)
        return postToInbox(layout, runId, entry)
      },
      prepare: async (runId) => prepareInbox(layout, runId),
      claim: async (runId, entry) => claimInbox(layout, runId, entry.key),
      unclaim: async (runId, entry) => unclaimInbox(layout, runId, entry.key),
      dropOrphanedClaim: async (runId, key) => unclaimInbox(layout, runId, key),
      read: async (runId) => readInbox(layout, runId),
      has: async (runId, key) => inboxHas(layout, runId, key),
      keysOf: async (runIds) => {
        const out = new Map<string, string[]>()
        for (const id of runIds) {
          const keys = readInbox(layout, id).map((e) => e.key)
          if (keys.length > 0) out.set(id, keys)
        }
        return out
      },
    }
    this.queue = queueStore(layout)
    this.schedules = scheduleMarkStore(layout)
    this.signals = signalStore(layout)
    this.webhooks = {
      load: async () => readSeenWebhooks(layout),
      save: async (seen: Record<string, SeenWebhook>) => writeSeenWebhooks(layout, seen),
    }
    // One SQLite connection per store, opened on first use (most commands never touch kv).
    const db = () => (this.kvDb ??= openKvStore(layout))
    this.kv = {
      get: (ns, key) => db().get(ns, key),
      set: (ns, key, value, options) => db().set(ns, key, value, options),
      delete: (ns, key) => db().delete(ns, key),
      incr: (ns, key, by, options) => db().incr(ns, key, by, options),
      entry: (ns, key) => db().entry(ns, key),
      list: (ns, options) => db().list(ns, options),
      namespaces: () => db().namespaces(),
    }
    this.resources = {
      put: (runId, data, options) => putResource(layout, runId, data, options),
      get: (uri) => getResource(layout, uri),
      list: (options) => listResources(layout, options),
    }
  }

  async callbackKey(): Promise<Buffer> {
    this.key ??= readOrCreateKey(this.layout)
    return this.key
  }

  /**
   * The key's claim (InboxStore.claim) was given up by a claimer that died: no live process holds
   * the run, and its journal has no completion for the key. Claims of journaled completions stay:
   * they turn away posts that read the run before its completion was written.
   */
  private async orphanedClaim(runId: string, key: string): Promise<boolean> {
    if (!isClaim(this.layout, runId, key) || (await this.leases.holder(runId))) return false
    return !(await this.journals.read(runId)).events.some((e) => e.type === 'wait_completed' && e.key === key)
  }

  async close(): Promise<void> {
    this.kvDb?.close()
    this.kvDb = undefined
  }
}

/** `workspace.key` (0600, git-ignored), created with O_EXCL on first use; a racing creator's key wins. */
export function readOrCreateKey(layout: WorkspaceLayout): Buffer {
  try {
    return Buffer.from(fs.readFileSync(layout.key, 'utf8').trim(), 'hex')
  } catch {
    const key = crypto.randomBytes(32)
    try {
      fs.writeFileSync(layout.key, key.toString('hex') + '\n', {mode: 0o600, flag: 'wx'})
      return key
    } catch {
      // Another process created it first: use theirs.
      return Buffer.from(fs.readFileSync(layout.key, 'utf8').trim(), 'hex')
    }
  }
}

function runStore(layout: WorkspaceLayout): RunStore {
  let spares: SpareRunDirs | undefined
  return {
    newRunId: (now) => newRunId(now),
    create: async (runId, flowText, created) => createRunFiles(layout, runId, flowText, created, spares),
    prepareAhead: () => {
      if (spares) return
      spares = new SpareRunDirs(layout)
      spares.start()
    },
    exists: async (runId) => runExists(layout, runId),
    assertExists: async (runId) => assertRunExists(layout, runId),
    listIds: async (options = {}) => {
      const ids = listRunIds(layout, {before: options.before})
      return options.limit === undefined ? ids : ids.slice(0, options.limit)
    },
    readSnapshot: async (runId) => readRunSnapshot(layout, runId),
    writeSnapshot: async (view: RunView) => writeRunSnapshot(layout, view),
    readView: async (runId) => readRunView(layout, runId),
    unfinished: async () => {
      const out: RunView[] = []
      for (const id of listRunIds(layout)) {
        const v = readRunSnapshot(layout, id)
        if (v && !TERMINAL_STATUSES.includes(v.status)) out.push(v)
      }
      return out
    },
    readPinnedFlow: async (runId, sha256) => readPinnedFlow(layout, runId, sha256),
    waitingIds: (backfill) => waitingRunIds(layout, backfill),
    noteWaiting: async (runId, waiting) => noteWaiting(layout, runId, waiting),
    // The marker's text is the time it was asked for; its existence is the request.
    requestCancel: async (runId) => fs.writeFileSync(layout.runCancelMarker(runId), new Date().toISOString()),
    cancelRequested: async (runId) => (fs.existsSync(layout.runCancelMarker(runId)) ? {} : undefined),
    clearCancel: async (runId) => removeIfThere(layout.runCancelMarker(runId)),
  }
}

function journalStore(layout: WorkspaceLayout): JournalStore {
  return {
    read: async (runId) => readJournal(layout.runJournal(runId)),
    open: async (held, read: JournalRead) =>
      new FileJournal(JournalWriter.open(layout.runJournal(held.runId), read.events.at(-1)?.seq ?? 0, read.validBytes, held.runId)),
    appendAfter: async (runId, read, ...events) => appendAfter(layout.runJournal(runId), {events: read.events, validBytes: read.validBytes ?? 0}, ...events),
    flushOffThread,
  }
}

function leaseStore(layout: WorkspaceLayout): LeaseStore {
  const take = (runId: string, purpose?: string): RunLease | undefined => {
    try {
      const l = tryLock(layout.runLock(runId), purpose, LockOwners.in(layout.lockOwnersDir))
      return l && lease(runId, l)
    } catch (err) {
      throw isStorageErrno(err) ? storageError(err, runId) : err
    }
  }
  const holder = async (runId: string): Promise<RunOwner | undefined> => {
    const file = layout.runLock(runId)
    if (!isLockHeld(file)) return undefined
    const owner = readLockOwner(file)
    // A lock file not yet written (or torn) counts as held, as isLockHeld says; its owner is unknown.
    return owner ? {pid: owner.pid, host: owner.host, purpose: owner.purpose, since: owner.at} : {pid: 0}
  }
  return {
    tryAcquire: async (runId, purpose) => take(runId, purpose),
    acquire: async (runId, options = {}) => {
      const l = await lock(layout.runLock(runId), {
        timeoutMs: options.timeoutMs ?? 10_000,
        purpose: options.purpose,
        owners: LockOwners.in(layout.lockOwnersDir),
      })
      return l && lease(runId, l)
    },
    holder,
    held: async (runIds) => {
      const out = new Set<string>()
      for (const id of runIds) if (await holder(id)) out.add(id)
      return out
    },
    dropOwn: async (runId) => {
      if (readLockOwner(layout.runLock(runId))?.pid === process.pid) fs.rmSync(layout.runLock(runId), {force: true})
    },
  }
}

interface QueueIndex {
  entries: QueueEntry[]
}

/** `queue/<slug>.json` under `queue/<slug>.lock` (an O_EXCL pid file), written with fsync and rename. */
function queueStore(layout: WorkspaceLayout): QueueStore {
  const read = (slug: string) => readJsonFile<QueueIndex>(layout.queueIndex(slug))?.entries
  return {
    withQueue: async <T>(
      slug: string,
      fn: (entries: QueueEntry[] | undefined) => QueueUpdate<T> | Promise<QueueUpdate<T>>,
      options: {timeoutMs?: number} = {},
    ): Promise<T> => {
      const timeoutMs = options.timeoutMs ?? QUEUE_LOCK_TIMEOUT_MS
      fs.mkdirSync(layout.queueDir, {recursive: true})
      const l = await lock(layout.queueLock(slug), {timeoutMs, purpose: 'admission', owners: LockOwners.in(layout.lockOwnersDir)})
      if (!l)
        throw new BreytaError('internal', `the queue lock of flow "${slug}" stayed held for ${timeoutMs} ms`, {
          hint: 'Another breyta process is stuck holding it; it is freed when that process exits.',
        })
      try {
        const {entries, result} = await fn(read(slug))
        if (entries) {
          entries.sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0))
          writeSnapshot(layout.queueIndex(slug), {entries} satisfies QueueIndex)
        }
        return result
      } finally {
        l.release()
      }
    },
    read: async (slug) => read(slug),
    slugs: async () => {
      let names: string[]
      try {
        names = fs.readdirSync(layout.queueDir)
      } catch {
        return []
      }
      return names
        .filter((n) => n.endsWith('.json'))
        .map((n) => n.slice(0, -5))
        .filter((slug) => read(slug)?.some((e) => e.state === 'queued'))
        .sort()
    },
  }
}

function signalStore(layout: WorkspaceLayout): SignalStore {
  return {
    // In this thread: a notice is a truncate or a link (a few µs, see signals.ts), less than a round trip through libuv's pool.
    signal: async (runId) => signalRun(layout, runId),
    noteChanged: async (runId) => noteRunChanged(layout, runId),
    pending: async () => pendingSignals(layout),
    clear: async (runId) => clearSignal(layout, runId),
    watch: (onChange): RunChangeWatch => watchRunChanges(layout, onChange),
    consume: (onRun): RunChangeWatch => consumeSignals(layout, onRun),
    mute: (on = true) => muteSignals(on),
  }
}
