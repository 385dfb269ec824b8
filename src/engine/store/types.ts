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
import type {JournalEvent, Target, UnsequencedEvent} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'
import type {Connection, KvAccess, ResourceRef} from '../shared/records.js'

export type {Connection, KvAccess, ResourceRef} from '../shared/records.js'

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
  /**
   * Stage events that may be lost in a crash because a durable append always follows before the
   * run moves on (the start of a pure step): no flush is asked for. An implementation may treat
   * it as `append`.
   */
  appendUnsynced(...events: UnsequencedEvent[]): JournalEvent[]
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
  /**
   * Leases that can be lost while held (PostgreSQL: not renewed in time, taken over) call `fn`
   * when a renewal finds another holder, so the holder stops advancing the run at once instead
   * of at its next (refused) append. Files locks are never lost and have no `onLost`.
   */
  onLost?(fn: () => void): void
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

/** One active run of a flow, as the flow's queue keeps it (runtime/concurrency.ts decides with it). */
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

/** What a `withQueue` body returns: entries to write back (none: nothing is written) and its result. */
export interface QueueUpdate<T> {
  entries?: QueueEntry[]
  result: T
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
  /** This process creates runs while it serves requests (the daemon): make what a run needs ahead, if the store can. */
  prepareAhead?(): void
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
  /** `sha256`: the run_created event's, when the caller has it (a store may use it to skip a lookup). */
  readPinnedFlow(runId: string, sha256?: string): Promise<string>
  /** Runs that are parked on a wait (an index, so `waits list` does not scan every run). */
  waitingIds(backfill: (runIds: string[]) => Promise<string[]>): Promise<string[]>
  noteWaiting(runId: string, waiting: boolean): Promise<void>
  /**
   * Snapshots of the runs not ended (queued, running, waiting, sleeping), for a daemon's sweep
   * of a shared store: what no other daemon holds or will wake is taken up from them.
   */
  unfinished(): Promise<RunView[]>
  requestCancel(runId: string, reason?: string): Promise<void>
  cancelRequested(runId: string): Promise<{reason?: string} | undefined>
  /** The run ended (or the cancel was carried out): forget the request. */
  clearCancel(runId: string): Promise<void>
}

export interface JournalStore {
  read(runId: string): Promise<JournalRead>
  /** Open for appending; only the lease holder may. Repairs a torn tail (files). */
  open(lease: RunLease, read: JournalRead): Promise<JournalHandle>
  /** Append outside a held handle (cancel of a parked run, admission, a rejected callback), after `read`. */
  appendAfter(runId: string, read: JournalRead, ...events: UnsequencedEvent[]): Promise<JournalEvent[]>
  /**
   * Never flush synchronously in this thread, even when one run alone is writing: it also serves
   * requests (the daemon's), or has more runs to advance (a busy daemon worker); `false` allows
   * it again. Files only: a store that never blocks the thread has no such mode.
   */
  flushOffThread?(on?: boolean): void
}

export interface LeaseStore {
  /** Take the run's lease, waiting up to `timeoutMs`; undefined when another live owner holds it. */
  acquire(runId: string, options?: {timeoutMs?: number; purpose?: string}): Promise<RunLease | undefined>
  tryAcquire(runId: string, purpose?: string): Promise<RunLease | undefined>
  /** The live holder, if any (a dead holder counts as none). */
  holder(runId: string): Promise<RunOwner | undefined>
  /** Drop a lease this process holds but lost the handle of (a daemon worker died holding it). */
  dropOwn(runId: string): Promise<void>
  /** Which of these runs have a live holder (one look for many runs: a daemon's sweep). */
  held(runIds: string[]): Promise<Set<string>>
}

export interface InboxStore {
  /** Record a completion; false when one was recorded before (exactly one writer wins). */
  post(runId: string, entry: InboxEntry): Promise<boolean>
  /** A run opened a wait: make ahead what a post or claim for it will need (files: the directory). Optional. */
  prepare?(runId: string): Promise<void>
  /**
   * Claim wait `entry.key` for a completion that the caller, holding the run's lease, journals
   * itself before it lets go: a post for the key loses to the claim, as to an earlier post. False
   * when a completion was posted or claimed before. What survives a crash between the claim and
   * the journal is not a decision: files drop an orphaned claim; PostgreSQL stores the entry,
   * which the next advance journals.
   */
  claim(runId: string, entry: InboxEntry): Promise<boolean>
  /** Give up this claim, whose completion was not journaled (the advance ended before it could). */
  unclaim(runId: string, entry: InboxEntry): Promise<void>
  /**
   * Files: remove the claim of a claimer that died before journaling (the caller holds the run's
   * lease and its journal has the key's wait open), which would turn every post away. Left out
   * where a claim is the entry itself (PostgreSQL: the next advance journals it).
   */
  dropOrphanedClaim?(runId: string, key: string): Promise<void>
  read(runId: string): Promise<InboxEntry[]>
  has(runId: string, key: string): Promise<boolean>
  /** The keys posted for each of these runs (runs with none are left out). */
  keysOf(runIds: string[]): Promise<Map<string, string[]>>
}

export interface QueueStore {
  /**
   * Run `fn` holding the flow's queue lock (waiting up to `timeoutMs`, else `internal`), on the
   * flow's entries (undefined when the flow has no queue yet); the entries it returns are written
   * back, sorted by run id. Nothing is written when it returns none or throws.
   */
  withQueue<T>(slug: string, fn: (entries: QueueEntry[] | undefined) => QueueUpdate<T> | Promise<QueueUpdate<T>>, options?: {timeoutMs?: number}): Promise<T>
  /** A lock-free read; undefined when the flow has no queue. */
  read(slug: string): Promise<QueueEntry[] | undefined>
  /** Flows whose queue holds a queued run, sorted. */
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
  /**
   * The executor's side of `signal` (the daemon): each signalled run is consumed, then passed to
   * `onRun`, as signals arrive and by a periodic sweep (a lost wake-up is found within a second).
   */
  consume(onRun: (runId: string) => void): RunChangeWatch
  /** This process executes runs itself (the daemon): its changes need no `signal`, only notices. */
  mute(on?: boolean): void
}

/** A webhook delivery id or signature already accepted, and the run its first delivery started. */
export interface SeenWebhook {
  run: string
  /** Epoch ms after which the entry is forgotten. */
  until: number
}

/** What the daemon remembers of accepted webhooks (daemon/replays.ts keeps it in memory and writes it back). */
export interface WebhookDeliveryStore {
  load(): Promise<Record<string, SeenWebhook>>
  save(seen: Record<string, SeenWebhook>): Promise<void>
  /**
   * A store several daemons share has these; the guard then checks each delivery here instead
   * of in memory, so a replay sent to another daemon is caught. `claim` records `key` for `run`
   * unless it was accepted within its window: `first` is true for exactly one caller, and `run`
   * is the run that has the key. `forget` drops what `run` claimed (its run was not started).
   */
  claim?(key: string, run: string, ttlMs: number): Promise<{run: string; first: boolean; until: number}>
  forget?(keys: string[], run: string): Promise<void>
}

/**
 * Schedule watermarks: the last tick fired per flow and trigger. A tick is claimed by moving its
 * trigger's mark forward atomically, so it starts one run across every daemon of the store.
 */
export interface ScheduleMarkStore {
  /** trigger key → the last tick fired (ISO-8601). */
  read(slug: string): Promise<Record<string, string>>
  /** Give triggers seen for the first time their mark; a mark already there stays. */
  init(slug: string, marks: Record<string, string>): Promise<void>
  /** Move the mark of `trigger` to `tick` when it is behind it (or absent): true for exactly one caller per tick. */
  claim(slug: string, trigger: string, tick: string): Promise<boolean>
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

/** The workspace key-value store (the `:kv` step and `breyta kv`); every write is atomic across processes (and machines). */
export interface KvStore extends KvAccess {
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
  /** Where the bytes live, when they are a file (`resources get --json`). */
  path?: string
}

/** Artifacts behind `res://<run-id>/<name>`; a URI is untrusted input and is checked before any read. */
export interface ResourceStore {
  /** Store bytes under a run (a random name unless given); re-putting a name replaces it. */
  put(runId: string, data: Buffer | string, options?: {name?: string; contentType?: string}): Promise<ResourceRef>
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
  readonly schedules: ScheduleMarkStore
  /** The key that signs callback URLs: shared by every daemon that must accept them. Created on first use. */
  callbackKey(): Promise<Buffer>
  close(): Promise<void>
}

/** The released versions of a flow: the live pointer and every version, oldest first. */
export interface ReleaseIndex {
  /** The live version number; null when nothing was promoted yet (`--no-promote`). */
  live: number | null
  versions: ReleaseVersion[]
}

export interface ReleaseVersion {
  version: number
  /** sha256 (hex) of the version file's exact text. */
  sha256: string
  note: string | null
  /** ISO-8601 UTC. */
  'created-at': string
}

/** What `.breyta/daemon.json` says about the daemon serving this workspace. */
export interface DaemonInfo {
  pid: number
  url: string
  'started-at': string
  host?: string
  port?: number
  log?: string | null
}

export interface SecretListing {
  name: string
  source: 'env' | 'file'
}

export type OutputStream = 'stdout' | 'stderr'

export interface StepLogLine {
  seq: number
  at: string
  attempt: number
  stream: OutputStream
  line: string
}

/** What a reader got since its last read: new lines, and how many lines before them are gone. */
export interface StepLogChunk {
  stepId: string
  dropped: number
  lines: StepLogLine[]
}

/**
 * The live output of `:exec`/`:ssh` steps, one bounded log per step of a run. Synchronous on
 * purpose: lines arrive in a child process's data callbacks and readers poll on every change.
 */
export interface StepLogs {
  /** The step ids that have output, in the order their logs were first written. */
  ids(runId: string): string[]
  /** An incremental reader: each `read()` returns what arrived since the last. */
  reader(runId: string, stepId: string): {read(): StepLogChunk}
  /** Opened on a step's first line; `maxBytes` bounds the log (older lines rotate out). */
  writer(runId: string, stepId: string, attempt: number, maxBytes: number): {write(stream: OutputStream, lines: string[], at: Date): void; close(): void}
}

/**
 * What stays in the checkout or on this machine in team mode too: drafts and releases (in git),
 * connections and secrets (never in a database), the daemon's own files. Paths appear here only
 * where people are told them (an error's hint, `flows new`'s answer).
 */
export interface LocalFiles {
  /** The directory that contains `.breyta/`. */
  readonly root: string

  draftSlugs(): Promise<string[]>
  draftExists(slug: string): Promise<boolean>
  /** Throws `flow_not_found` with a hint. */
  readDraft(slug: string): Promise<string>
  writeDraft(slug: string, text: string): Promise<void>
  /** The draft's file, for people (messages, `flows new`). */
  draftPath(slug: string): string

  readReleaseIndex(slug: string): Promise<ReleaseIndex | undefined>
  /** False when the bytes were already those (nothing written). */
  writeReleaseIndex(slug: string, index: ReleaseIndex): Promise<boolean>
  readReleasedText(slug: string, version: number): Promise<{text: string; sha256: string} | undefined>
  createReleaseVersion(slug: string, version: number, text: string): Promise<void>
  /** Serializes release and promote of one flow across processes; `internal` after 30 s. */
  withReleaseLock<T>(slug: string, fn: () => T | Promise<T>): Promise<T>
  /** Flows with a releases directory. */
  releasedSlugs(): Promise<string[]>

  readConnections(): Promise<Record<string, Connection>>
  readSecrets(): Promise<Record<string, string>>
  /** Set one secret; concurrent sets never lose each other's value. */
  setSecret(name: string, value: string): Promise<void>
  /** Every secret available (env BREYTA_SECRET_* wins over the file), by name only. */
  listSecretNames(env: NodeJS.ProcessEnv): Promise<SecretListing[]>
  /**
   * The one synchronous door, for the output boundary (a print or a log line redacts without
   * awaiting): secrets and connections as they are now, parsed once while the files stay the
   * same, and a stamp that changes when either file does. `secretsNow` throws when secrets.edn
   * is unreadable.
   */
  secretsNow(): Record<string, string>
  connectionsNow(): Record<string, Connection>
  secretsStamp(): string

  /** daemon.json as written (not checked for liveness). */
  readDaemonInfo(): Promise<DaemonInfo | undefined>
  writeDaemonInfo(info: DaemonInfo): Promise<void>
  /** Remove daemon.json if it is this pid's (or unconditionally without one). */
  removeDaemonInfo(ifPid?: number): Promise<void>
  /** The daemon's log file, for people. */
  readonly daemonLog: string
  /** The log opened for appending (its directory made), for a detached daemon's stdout and stderr. */
  openDaemonLog(): {fd: number; close(): void}
  /** The last `lines` lines of the daemon's log ('' when there is none). */
  daemonLogTail(lines: number): string
  /** Calls `onFlow(slug)` when a flow's releases change (release or promote). */
  watchReleases(onFlow: (slug: string) => void): {close(): Promise<void>}
  /** Where the daemon's control socket listens (its liveness lock: the kernel closes it when the process dies). */
  readonly daemonSocket: string
  /**
   * daemon.lock, for tools that look at files. Only the holder of the control socket asks for
   * it, so a lock still there belongs to a dead daemon and is taken over; undefined when even
   * that failed.
   */
  takeDaemonLock(): Promise<{release(): void} | undefined>

  readonly stepLogs: StepLogs
}
