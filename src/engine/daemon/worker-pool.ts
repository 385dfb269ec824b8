/**
 * The daemon's worker threads: runs are advanced off the main thread, in a pool of up to as
 * many workers as cores (config.edn :limits :workers), each worker with a heap limit
 * (:limits :heap-mb). A worker that runs out of heap dies alone: the run it was advancing fails
 * `resource_exhausted`; the daemon and the runs on other workers go on.
 *
 * A run goes to the worker with the fewest advances in flight, so one run that computes for a
 * long time holds up only what shares its worker.
 *
 * Memory (issue 18): each worker costs ~18 MB idle and ~25 MB once warm. The pool keeps one
 * worker while idle, starts another when a run arrives and every worker is busy (the run goes
 * to the new worker, which takes ~0.1 s to load the engine), and ends a worker beyond the first
 * once it has advanced nothing for a while. A worker is only ever ended with no advance in
 * flight: it is taken out of the pool before it is told to close, so no run can reach it.
 */
import {Worker} from 'node:worker_threads'
import {BreytaError, toBreytaError, type ErrorJson} from '../errors.js'
import type {RunView} from '../journal/projection.js'
import type {AdvanceResult} from '../runtime/run-loop.js'
import type {Workspace} from '../workspace/workspace.js'

/** Per worker; 3× a semi-space (V8), so semi-spaces of at most 2 MB. */
const YOUNG_GENERATION_MB = 6
/** Workers kept while nothing runs: one run arriving finds a warm worker. */
const IDLE_WORKERS = 1
/**
 * How long a worker beyond IDLE_WORKERS may sit idle before it is ended: at first short, so a
 * burst's extra memory is given back at once. Starting a worker again costs ~60 ms of CPU to
 * load and its JIT warm-up, so when one has to be started within RESTART_WINDOW_MS of ending
 * one, the wait doubles (up to RETIRE_MAX_MS): bursty load settles into keeping its workers.
 * A start after a quiet spell sets it back.
 */
const RETIRE_AFTER_MS = 500
const RETIRE_MAX_MS = 60_000
const RESTART_WINDOW_MS = 10_000
/**
 * Idle this long, the workers and the main thread settle their heaps (options.collectIdle):
 * the full collection comes ~0.3 s later, after the quiet samples (heap.ts), where it came at
 * 0.5 s before the samples were taken. Once more later, past V8's own 5 s window of allocation
 * rate, for what the first left. Once each per idle spell...
 */
const COLLECT_AFTER_MS = [300, 6000]
/** ...and at most this often: steady light load does not pay a full collection per run. */
const COLLECT_EVERY_MS = 5000
/** A retiring worker closes its store and exits; past this it is terminated. */
const RETIRE_GRACE_MS = 5000

interface Pending {
  /**
   * The worker's first answer: a run it was asked to create exists now (startIn, the view), or
   * what became of the completion an advance carried (completeIn, the outcome); the advance follows.
   */
  first?(value: RunView | CompleteOutcome): void
  resolve(r: AdvanceResult): void
  reject(err: unknown): void
}

/** What a worker needs to create a webhook's run (runtime/runs.ts StartOptions, as plain data). */
export interface StartRequest {
  slug: string
  /** The request's JSON body. */
  input: unknown
  target: 'live'
  trigger: string
}

interface Slot {
  worker: Worker
  pending: Map<string, Pending>
  /** When its last advance ended (or it started). */
  idleSince: number
  /** Taken out of the pool and told to close: its exit is not a death. */
  retiring: boolean
}

/** A callback's completion of wait `key`, for the advance that journals it (completeIn). */
export interface CompleteRequest {
  key: string
  /** The request's JSON body. */
  payload: unknown
  source: 'callback'
}

/** Journaled ('accepted', on disk), refused, or to be posted to the inbox after all ('inbox'). */
export type CompleteOutcome = 'accepted' | 'inbox' | {error: ErrorJson}

/** What the pool asks of a worker about one run (advance-worker.ts has the whole protocol). */
type Message = {type: 'advance'; complete?: CompleteRequest} | {type: 'start'; request: StartRequest}

export interface PoolOptions {
  /** The most workers at once. */
  size: number
  /** The daemon's URL (its workers sign callback URLs with it). */
  baseUrl: string
  heapMb: number
  env: NodeJS.ProcessEnv
  log(level: 'debug' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void
  /** While a worker starts, on every turn until it is online, and once it has loaded (the daemon sets its process-wide V8 flags again, heap.ts). */
  onWorkerStarted?(): void
  /**
   * Once no advance has been in flight for COLLECT_AFTER_MS: each worker settles its heap, and
   * this is called for the daemon's main thread to do the same (heap.ts settleHeap), to stop
   * early once `busy()`. Resolves with the main thread's young generation before and after.
   */
  collectIdle?(busy: () => boolean): Promise<{before: number; after: number} | undefined>
  /** After each advance ends (heap.ts holdYoungGeneration). */
  onAdvanceEnded?(): void
}

interface WorkerMessage {
  type: 'ready' | 'created' | 'answered' | 'done' | 'failed'
  run: string
  view?: RunView
  outcome?: CompleteOutcome
  result?: AdvanceResult
  error?: ErrorJson
}

/** Thrown for the runs of a worker that died; `exhausted` when it ran out of heap. */
export class WorkerDied extends BreytaError {
  constructor(
    readonly runs: string[],
    readonly exhausted: boolean,
    cause: unknown,
  ) {
    super(
      exhausted ? 'resource_exhausted' : 'internal',
      exhausted ? 'the run used more memory than the worker heap allows' : `the worker advancing the run died: ${(cause as Error)?.message ?? cause}`,
      {cause},
    )
  }
}

export class WorkerPool {
  private readonly slots: Slot[] = []
  private readonly retiring = new Set<Slot>()
  private retireTimer: NodeJS.Timeout | undefined
  private retireAfterMs = RETIRE_AFTER_MS
  /** When a worker was last ended for idling. */
  private lastRetired = -Infinity
  private stopping = false
  private collectTimer: NodeJS.Timeout | undefined
  /** When the last advance ended, when the workers last collected garbage, and how often since the one. */
  private lastSettled = 0
  private lastCollected = -Infinity
  private collected = 0

  constructor(
    private readonly ws: Workspace,
    private readonly options: PoolOptions,
  ) {
    this.topUp()
  }

  /** Workers in the pool right now. */
  get size(): number {
    return this.slots.length
  }

  private get max(): number {
    return Math.max(1, this.options.size)
  }

  private get min(): number {
    return Math.min(this.max, IDLE_WORKERS)
  }

  advance(runId: string, signal: AbortSignal): Promise<AdvanceResult> {
    return new Promise<AdvanceResult>((resolve, reject) => this.send(this.pick(), runId, {type: 'advance'}, {resolve, reject}, signal))
  }

  /**
   * Create run `runId` in a worker, which advances it at once: a webhook's run no longer costs
   * the main thread its creation (it had become the daemon's bottleneck under workload C, issue
   * 18), nor a hand-over and a second read of its journal. Resolves once the run exists, with its
   * advance; rejects when it could not be created (nothing was, or the worker died).
   */
  startIn(runId: string, request: StartRequest, signal: AbortSignal): Promise<{value: RunView; advanced: Promise<AdvanceResult>}> {
    return this.begin<RunView>(runId, {type: 'start', request}, signal)
  }

  /**
   * Advance run `runId` in a worker, completing wait `request.key` in that advance (runtime
   * DirectCompletion): resolves with the outcome once the worker knows it (accepted: the
   * completion is on disk), and the advance.
   */
  completeIn(runId: string, request: CompleteRequest, signal: AbortSignal): Promise<{value: CompleteOutcome; advanced: Promise<AdvanceResult>}> {
    return this.begin<CompleteOutcome>(runId, {type: 'advance', complete: request}, signal)
  }

  /** Post `message`: resolves with the worker's first answer (Pending.first) and the advance after it; rejects if the worker fails before that answer. */
  private begin<T>(runId: string, message: Message, signal: AbortSignal): Promise<{value: T; advanced: Promise<AdvanceResult>}> {
    return new Promise((resolveFirst, rejectFirst) => {
      let answered = false
      let settle!: {resolve(r: AdvanceResult): void; reject(err: unknown): void}
      const advanced = new Promise<AdvanceResult>((resolve, reject) => (settle = {resolve, reject}))
      const pending: Pending = {
        first: (value) => {
          answered = true
          resolveFirst({value: value as T, advanced})
        },
        resolve: (r) => settle.resolve(r),
        reject: (e) => (answered ? settle.reject(e) : rejectFirst(e)),
      }
      this.send(this.pick(), runId, message, pending, signal)
    })
  }

  /** The worker with the fewest advances in flight, or a new one when every worker is busy. */
  private pick(): Slot {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
    return slot.pending.size > 0 && this.slots.length < this.max ? this.grow() : slot
  }

  /** Post `message` about run `runId` to `slot`'s worker, `pending` to settle when it answers; `signal` aborts it there. */
  private send(slot: Slot, runId: string, message: Message, pending: Pending, signal: AbortSignal): void {
    const onAbort = () => slot.worker.postMessage({type: 'abort', run: runId})
    const done = () => signal.removeEventListener('abort', onAbort)
    slot.pending.set(runId, {...pending, resolve: (r) => (done(), pending.resolve(r)), reject: (e) => (done(), pending.reject(e))})
    signal.addEventListener('abort', onAbort, {once: true})
    // busy: other runs wait on this worker, so its flushes should overlap (group commit).
    slot.worker.postMessage({...message, run: runId, busy: slot.pending.size > 1})
    if (signal.aborted) onAbort()
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.retireTimer)
    clearTimeout(this.collectTimer)
    await Promise.all([...this.slots, ...this.retiring].map((s) => s.worker.terminate()))
  }

  private topUp(): void {
    while (this.slots.length < this.min) this.add()
  }

  /** One more worker, for a run that found every worker busy. */
  private grow(): Slot {
    const soon = Date.now() - this.lastRetired < RESTART_WINDOW_MS
    this.retireAfterMs = soon ? Math.min(RETIRE_MAX_MS, this.retireAfterMs * 2) : RETIRE_AFTER_MS
    return this.add()
  }

  private add(): Slot {
    const slot = this.spawn()
    this.slots.push(slot)
    this.options.log('debug', 'worker started', {workers: this.slots.length})
    return slot
  }

  /** An advance on `slot` ended: once it has nothing in flight, it may retire later. */
  private settled(slot: Slot): void {
    this.options.onAdvanceEnded?.()
    if (slot.pending.size > 0) return
    slot.idleSince = this.lastSettled = Date.now()
    this.collected = 0
    this.armRetire()
    if (this.idle) this.armCollect()
  }

  private get idle(): boolean {
    return this.slots.every((s) => s.pending.size === 0)
  }

  private armCollect(): void {
    const after = COLLECT_AFTER_MS[this.collected]
    if (!this.options.collectIdle || this.collectTimer || this.stopping || after === undefined) return
    const due = Math.max(this.lastSettled + after, this.lastCollected + COLLECT_EVERY_MS)
    this.collectTimer = setTimeout(() => this.collectIfIdle(), Math.max(0, due - Date.now()))
    this.collectTimer.unref()
  }

  /** Busy now: the advance that ends next arms it again. Busy meanwhile: wait the rest. */
  private collectIfIdle(): void {
    this.collectTimer = undefined
    if (!this.idle) return
    if (Date.now() < this.lastSettled + COLLECT_AFTER_MS[this.collected]!) return this.armCollect()
    this.lastCollected = Date.now()
    this.collected++
    for (const slot of this.slots) slot.worker.postMessage({type: 'collect'})
    const t0 = performance.now()
    void this.options
      .collectIdle?.(() => this.stopping || !this.idle)
      .then((young) => {
        const fields = {workers: this.slots.length, ms: Math.round(performance.now() - t0)}
        if (young) this.options.log('debug', 'collected garbage', {...fields, 'young-kb': `${young.before >> 10} → ${young.after >> 10}`})
        else this.options.log('debug', 'collection cut short', fields)
      })
    this.armCollect()
  }

  private armRetire(): void {
    if (this.retireTimer || this.stopping || this.slots.length <= this.min) return
    this.retireTimer = setTimeout(() => this.retireIdle(), this.retireAfterMs)
    this.retireTimer.unref()
  }

  /** End the workers beyond the idle minimum that advanced nothing for retireAfterMs. */
  private retireIdle(): void {
    this.retireTimer = undefined
    const now = Date.now()
    // From the newest: runs go to the first of equally idle workers, so the last ones idle first.
    for (let i = this.slots.length - 1; i >= 0 && this.slots.length > this.min; i--) {
      const slot = this.slots[i]!
      if (slot.pending.size > 0 || now - slot.idleSince < this.retireAfterMs) continue
      this.slots.splice(i, 1)
      this.lastRetired = now
      slot.retiring = true
      this.retiring.add(slot)
      slot.worker.postMessage({type: 'retire'})
      this.options.log('debug', 'worker retired', {workers: this.slots.length, 'idle-ms': now - slot.idleSince})
      setTimeout(() => void slot.worker.terminate(), RETIRE_GRACE_MS).unref()
    }
    if (this.slots.some((s) => s.pending.size === 0)) this.armRetire()
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./advance-worker.js', import.meta.url), {
      workerData: {root: this.ws.root, env: this.options.env, baseUrl: this.options.baseUrl},
      // A small young generation: V8 otherwise grows each isolate's semi-spaces to 16 MB under
      // load and keeps them, so each worker's RSS grows by ~35 MB once and never gives it back
      // (the soak's RSS after vs idle, issue 18). An advance allocates little that lives long.
      resourceLimits: {maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB},
      // The worker's own output goes where the daemon's goes.
      stdout: false,
      stderr: false,
    })
    const slot: Slot = {worker, pending: new Map(), idleSince: Date.now(), retiring: false}
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') return void this.options.onWorkerStarted?.()
      const p = slot.pending.get(m.run)
      if (!p) return
      if (m.type === 'created') return p.first?.(m.view!)
      if (m.type === 'answered') return p.first?.(m.outcome!)
      slot.pending.delete(m.run)
      if (m.type === 'done') p.resolve(m.result!)
      else p.reject(toBreytaError(m.error))
      this.settled(slot)
    })
    this.holdFlagsWhileStarting(worker)
    let death: unknown
    worker.on('error', (err) => (death = err))
    worker.once('exit', (code) => this.exited(slot, code, death))
    worker.unref()
    return slot
  }

  /**
   * V8's flags are reset by a worker's start, on its own thread at some moment before its
   * 'online' (heap.ts): they are set again on every turn of the event loop until then. Under
   * load, when the pool grows, the main thread scavenges every few milliseconds, and one
   * scavenge in that window let its semi-spaces double and stay doubled (4 → 16 MB after a
   * burst of workload C). Set again every millisecond instead, the toy case still doubled
   * once; on every turn, never. Setting them costs ~2.5 µs; a start takes ~30–100 ms.
   */
  private holdFlagsWhileStarting(worker: Worker): void {
    const hold = this.options.onWorkerStarted
    if (!hold) return
    let started = false
    const again = (): void => {
      if (started) return
      hold()
      setImmediate(again).unref()
    }
    const stop = (): void => void (started = true)
    worker.once('online', () => (stop(), hold()))
    worker.once('exit', stop)
    again()
  }

  /** A worker ended: retired, stopped, or died (its runs are rejected and the pool topped up). */
  private exited(slot: Slot, code: number, death: unknown): void {
    this.retiring.delete(slot)
    const runs = [...slot.pending.keys()]
    if (slot.retiring && runs.length === 0) return
    const exhausted = (death as {code?: string} | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
    if (!this.stopping || runs.length > 0)
      this.options.log(exhausted ? 'warn' : 'error', 'worker died', {code, runs, error: String((death as Error)?.message ?? death ?? '')})
    const err = new WorkerDied(runs, exhausted, death ?? new Error(`exit ${code}`))
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    if (this.stopping) return
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
    this.topUp()
  }
}
