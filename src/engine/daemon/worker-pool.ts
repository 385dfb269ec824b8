/**
 * The daemon's worker threads: runs are advanced off the main thread, in a pool sized to the
 * cores (config.edn :limits :workers), each worker with a heap limit (:limits :heap-mb). A
 * worker that runs out of heap dies alone: the run it was advancing fails `resource_exhausted`
 * and the worker is replaced; the daemon and the runs on other workers go on.
 *
 * A run goes to the worker with the fewest advances in flight, so one run that computes for a
 * long time holds up only what shares its worker.
 */
import {Worker} from 'node:worker_threads'
import {BreytaError, toBreytaError, type ErrorJson} from '../errors.js'
import type {RunView} from '../journal/projection.js'
import type {AdvanceResult} from '../runtime/run-loop.js'
import type {Workspace} from '../workspace/workspace.js'

/** Per worker; 3× a semi-space (V8), so semi-spaces of at most 2 MB. */
const YOUNG_GENERATION_MB = 6

interface Pending {
  /** A run this worker was asked to create (start): it exists now, and its advance follows. */
  created?(view: RunView): void
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
}

export interface PoolOptions {
  size: number
  /** The daemon's URL (its workers sign callback URLs with it). */
  baseUrl: string
  heapMb: number
  env: NodeJS.ProcessEnv
  log(level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void
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
  private stopping = false

  constructor(
    private readonly ws: Workspace,
    private readonly options: PoolOptions,
  ) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.slots.push(this.spawn())
  }

  get size(): number {
    return this.slots.length
  }

  advance(runId: string, signal: AbortSignal): Promise<AdvanceResult> {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
    return new Promise<AdvanceResult>((resolve, reject) => {
      const onAbort = () => slot.worker.postMessage({type: 'abort', run: runId})
      const done = () => signal.removeEventListener('abort', onAbort)
      slot.pending.set(runId, {resolve: (r) => (done(), resolve(r)), reject: (e) => (done(), reject(e))})
      signal.addEventListener('abort', onAbort, {once: true})
      // busy: other runs wait on this worker, so its flushes should overlap (group commit).
      slot.worker.postMessage({type: 'advance', run: runId, busy: slot.pending.size > 1})
      if (signal.aborted) onAbort()
    })
  }

  /**
   * Create run `runId` in a worker, which advances it at once: a webhook's run no longer costs
   * the main thread its creation (it had become the daemon's bottleneck under workload C, issue
   * 18), nor a hand-over and a second read of its journal. Resolves once the run exists, with its
   * advance; rejects when it could not be created (nothing was, or the worker died).
   */
  startIn(runId: string, request: StartRequest, signal: AbortSignal): Promise<{view: RunView; advanced: Promise<AdvanceResult>}> {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
    return new Promise((resolveCreated, rejectCreated) => {
      let exists = false
      let settle!: {resolve(r: AdvanceResult): void; reject(err: unknown): void}
      const advanced = new Promise<AdvanceResult>((resolve, reject) => (settle = {resolve, reject}))
      const onAbort = () => slot.worker.postMessage({type: 'abort', run: runId})
      const done = () => signal.removeEventListener('abort', onAbort)
      slot.pending.set(runId, {
        created: (view) => {
          exists = true
          resolveCreated({view, advanced})
        },
        resolve: (r) => (done(), settle.resolve(r)),
        reject: (e) => (done(), exists ? settle.reject(e) : rejectCreated(e)),
      })
      signal.addEventListener('abort', onAbort, {once: true})
      slot.worker.postMessage({type: 'start', run: runId, request, busy: slot.pending.size > 1})
    })
  }

  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
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
    const slot: Slot = {worker, pending: new Map()}
    worker.on('message', (m: {type: 'created' | 'done' | 'failed'; run: string; view?: RunView; result?: AdvanceResult; error?: ErrorJson}) => {
      const p = slot.pending.get(m.run)
      if (!p) return
      if (m.type === 'created') return p.created?.(m.view!)
      slot.pending.delete(m.run)
      if (m.type === 'done') p.resolve(m.result!)
      else p.reject(toBreytaError(m.error))
    })
    let death: unknown
    worker.on('error', (err) => (death = err))
    worker.once('exit', (code) => {
      const runs = [...slot.pending.keys()]
      const exhausted = (death as {code?: string} | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
      if (!this.stopping || runs.length > 0)
        this.options.log(exhausted ? 'warn' : 'error', 'worker died', {code, runs, error: String((death as Error)?.message ?? death ?? '')})
      const err = new WorkerDied(runs, exhausted, death ?? new Error(`exit ${code}`))
      for (const p of slot.pending.values()) p.reject(err)
      slot.pending.clear()
      if (this.stopping) return
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots[i] = this.spawn()
    })
    worker.unref()
    return slot
  }
}
