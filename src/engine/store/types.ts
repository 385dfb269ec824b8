/**
 * The store: the one door to a workspace's durable run state. The engine (runtime, operations,
 * daemon) receives a `Store` and never builds a path into `.breyta/` or opens its files; today's
 * files (`store/fs/`) are the first implementation, PostgreSQL (team mode) the second.
 *
 * Two halves, because they live in different places in team mode:
 * - `Store`: run state several machines may share — runs and their journals, snapshots, run
 *   leases, the wait inbox, the concurrency queue, the change feed, pinned definitions, kv,
 *   resources, webhook delivery ids, the callback key.
 * - `LocalFiles`: what stays in the checkout or on this machine — drafts and releases (in git),
 *   config, connections, secrets (never in a database), the daemon's pid file, step logs.
 *
 * Every method that may touch a disk or a network is async, so a second implementation needs no
 * change to the engine. Ordering guarantees are stated per method; an implementation must keep
 * them (the journal's `(run, seq)` is unique: two writers can never both append the same seq).
 */
import type {Json} from '../edn/json.js'
import type {Value} from '../edn/values.js'
import type {JournalEvent, UnsequencedEvent} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'

/** The journal as read: its events and how far the good bytes go (files) or the last seq. */
export interface JournalRead {
  events: JournalEvent[]
  /** Implementation detail of where a writer may append (byte offset for files). */
  validBytes?: number
}

/**
 * The open journal of a run, held by the run's lease holder. `append` stamps `seq`/`at` and
 * stages the events; they are durable once `durable()` resolves (one flush may cover many runs'
 * appends: group commit). Nothing that depends on an event may happen before it is durable.
 */
export interface JournalHandle {
  readonly lastSeq: number
  /** Stage events for the next grouped flush; returns them stamped (and redacted). */
  append(...events: UnsequencedEvent[]): JournalEvent[]
  /** Append and flush now (used where the next act must not start before the event is on disk). */
  appendNow(...events: UnsequencedEvent[]): Promise<JournalEvent[]>
  /** Resolves when everything appended so far is durable; rejects with `storage_error`. */
  durable(): Promise<void>
  /** Every event passes through `fn` (secret redaction) on its way to the store. */
  redactWith(fn: (e: UnsequencedEvent) => UnsequencedEvent): this
  close(): Promise<void>
}

/** Exclusive right to advance one run (files: O_EXCL lock file + pid; PostgreSQL: a renewed lease). */
export interface RunLease {
  readonly runId: string
  /** Who holds it, for messages ("held by pid 123"). */
  readonly owner: string
  release(): Promise<void>
}

export interface RunOwner {
  pid: number
  host?: string
  purpose?: string
  since?: string
}

export interface InboxEntry {
  key: string
  payload: Json
  source: 'cli' | 'callback' | 'api'
  by?: string
  decision?: string
  at: string
}

/** One flow's concurrency queue: the runs holding or waiting for a slot, oldest first. */
export interface QueueEntry {
  run: string
  key?: string
  queued?: boolean
  at: string
}

export interface RunChangeWatch {
  close(): Promise<void> | void
}

export interface RunListOptions {
  /** Only ids older (smaller) than this one: pagination. */
  before?: string
  limit?: number
}

export interface RunStore {
  newRunId(now?: number): string
  /** Create the run with its first event; the pinned flow text is stored once per sha256. */
  create(runId: string, flowText: string, created: UnsequencedEvent): Promise<RunView>
  exists(runId: string): Promise<boolean>
  /** Throws `run_not_found` with a hint. */
  assertExists(runId: string): Promise<void>
  /** Newest first. */
  listIds(options?: RunListOptions): Promise<string[]>
  readSnapshot(runId: string): Promise<RunView | undefined>
  /** A derived projection; may be written without a flush (the journal is the truth). */
  writeSnapshot(view: RunView): Promise<void>
  /** The run as the journal says now (not the snapshot). */
  readView(runId: string): Promise<RunView>
  readPinnedFlow(runId: string): Promise<string>
  /** Runs that are parked on a wait (an index, so `waits list` does not scan every run). */
  waitingIds(backfill: (runIds: string[]) => Promise<string[]>): Promise<string[]>
  noteWaiting(runId: string, waiting: boolean): Promise<void>
  requestCancel(runId: string, reason?: string): Promise<void>
  cancelRequested(runId: string): Promise<{reason?: string} | undefined>
}

export interface JournalStore {
  read(runId: string): Promise<JournalRead>
  /** Open for appending; only the lease holder may. Repairs a torn tail (files). */
  open(lease: RunLease, read: JournalRead): Promise<JournalHandle>
  /** Append outside a held handle (cancel of a parked run, admission, a rejected callback), after `read`. */
  appendAfter(runId: string, read: JournalRead, ...events: UnsequencedEvent[]): Promise<JournalEvent[]>
}

export interface LeaseStore {
  /** Take the run's lease, waiting up to `timeoutMs`; undefined when another live owner holds it. */
  acquire(runId: string, options?: {timeoutMs?: number; purpose?: string}): Promise<RunLease | undefined>
  tryAcquire(runId: string, purpose?: string): Promise<RunLease | undefined>
  /** The live holder, if any (a dead holder counts as none). */
  holder(runId: string): Promise<RunOwner | undefined>
}

export interface InboxStore {
  /** Record a completion; false when one was recorded before (exactly one writer wins). */
  post(runId: string, entry: InboxEntry): Promise<boolean>
  read(runId: string): Promise<InboxEntry[]>
  has(runId: string, key: string): Promise<boolean>
}

export interface QueueStore {
  /** Run `fn` holding the flow's queue lock, on the flow's queue entries; what it returns is written back. */
  withQueue<T>(slug: string, fn: (entries: QueueEntry[]) => Promise<{entries: QueueEntry[]; result: T}>): Promise<T>
  read(slug: string): Promise<QueueEntry[]>
  /** Flows that have a queue with waiting runs. */
  slugs(): Promise<string[]>
}

/** The change feed: who changed which run, across processes (and, in team mode, machines). */
export interface SignalStore {
  /** Wake the executor of a run (a decision, a cancel, a callback arrived). */
  signal(runId: string): Promise<void>
  /** Tell watchers (TUI, `runs watch`) that a run changed. */
  noteChanged(runId: string): Promise<void>
  pending(): Promise<string[]>
  clear(runId: string): Promise<void>
  watch(onChange: (runId: string) => void): RunChangeWatch
}

export interface WebhookDeliveryStore {
  /** False when this delivery id (or signature) was seen within the window: a replay. */
  remember(id: string, at: number, windowMs: number): Promise<boolean>
}

export interface KvEntry {
  key: string
  namespace: string
  value: Value
  expiresAt: string | null
}

export interface KvListOptions {
  prefix?: string
  /** Keys strictly after this one (cursor paging). */
  after?: string
  limit?: number
}

/** The workspace key-value store (the `:kv` step and `breyta kv`); every write is atomic across processes. */
export interface KvStore {
  get(namespace: string, key: string): Promise<Value | null>
  set(namespace: string, key: string, value: Value, options?: {ttlMs?: number}): Promise<void>
  delete(namespace: string, key: string): Promise<boolean>
  /** Atomic across processes (and machines); returns the new value. */
  incr(namespace: string, key: string, by?: number, options?: {ttlMs?: number}): Promise<number>
  /** The full entry (with expiry) or null when absent or expired. */
  entry(namespace: string, key: string): Promise<KvEntry | null>
  /** Live keys of one namespace in key order. */
  list(namespace: string, options?: KvListOptions): Promise<KvEntry[]>
  /** Namespaces that hold at least one live key. */
  namespaces(): Promise<string[]>
}

/** One row of `resources list` (SPEC §6 JSON keys). */
export interface ResourceListing {
  uri: string
  size: number
  'content-type': string
  'created-at': string
}

export interface StoredResource {
  uri: string
  data: Buffer
  size: number
  contentType: string
}

/** Artifacts behind `res://<run-id>/<name>`; a URI is untrusted input and is checked before any read. */
export interface ResourceStore {
  put(runId: string, name: string, data: Buffer, contentType: string): Promise<ResourceListing>
  get(uri: string): Promise<StoredResource>
  list(options?: {runId?: string}): Promise<ResourceListing[]>
}

/** The run state a workspace may share with other machines. */
export interface Store {
  readonly kind: 'files' | 'postgres'
  readonly runs: RunStore
  readonly journals: JournalStore
  readonly leases: LeaseStore
  readonly inbox: InboxStore
  readonly queue: QueueStore
  readonly signals: SignalStore
  readonly webhooks: WebhookDeliveryStore
  readonly kv: KvStore
  readonly resources: ResourceStore
  /** The key that signs callback URLs: shared by every daemon that must accept them. */
  callbackKey(): Promise<Buffer>
  close(): Promise<void>
}
