/**
 * The daemon's executor pool: advances runs with bounded concurrency, one advance per run at a
 * time. A run asked for again while its advance is in flight (an inbox entry, a timer) is
 * advanced once more right after, so nothing that arrives mid-advance is lost.
 */
import {getEventListeners, setMaxListeners} from 'node:events'
import {advanceRun, type AdvanceOptions, type AdvanceResult} from '../runtime/run-loop.js'
import type {RunView} from '../journal/projection.js'
import type {Workspace} from '../workspace/workspace.js'

export interface ExecutorOptions {
  concurrency: number
  advance: Omit<AdvanceOptions, 'signal'>
  /** Where an advance runs (the worker pool); in this thread when not given. */
  advanceIn?: (runId: string, signal: AbortSignal) => Promise<AdvanceResult>
  /** After every advance that this process held the lock for. */
  onAdvanced(view: RunView): void
  /** The run's lock is held by another process (a CLI): it will signal when it lets go. */
  onLocked(runId: string): void
  onError(runId: string, err: unknown): void
  /** An advance of the run ended, however it ended (after onAdvanced when there was a view). */
  onSettled?(runId: string): void
}

export class Executor {
  private readonly queue = new Set<string>()
  private readonly inFlight = new Set<string>()
  private readonly again = new Set<string>()
  private readonly abort = new AbortController()
  private accepting = true
  private idleWaiters: (() => void)[] = []
  /** Advances done since start (for status and benchmarks). */
  advances = 0

  constructor(
    private readonly ws: Workspace,
    private readonly options: ExecutorOptions,
  ) {
    // Each advance in flight listens once (removed when it ends), so up to `concurrency` at a
    // time is expected, not a leak; Node warns from 11.
    setMaxListeners(options.concurrency + 10, this.abort.signal)
    // This thread serves HTTP too: a flush held in it would stall every client meanwhile.
    ws.store.journals.flushOffThread?.()
  }

  get active(): number {
    return this.inFlight.size
  }

  /** Whether run `runId` is being advanced by this process now. */
  advancing(runId: string): boolean {
    return this.inFlight.has(runId)
  }

  get queued(): number {
    return this.queue.size
  }

  /** Listeners on the one stop signal every advance shares; it stays at the runs in flight. */
  get abortListeners(): number {
    return getEventListeners(this.abort.signal, 'abort').length
  }

  /** Ask for run `runId` to be advanced (deduplicated). */
  schedule(runId: string): void {
    if (!this.accepting) return
    if (this.inFlight.has(runId)) {
      this.again.add(runId)
      return
    }
    this.queue.add(runId)
    this.pump()
  }

  /**
   * An advance that `begin` starts elsewhere (a worker: a webhook's run made there, a callback's
   * completion journaled there): in flight from now, so a schedule of the run meanwhile is an
   * advance after, as for any other. Resolves with what `begin` gives first (the run once created,
   * the completion's outcome); undefined when stopping, when the run is in flight already, or with
   * `concurrency` runs in flight (the caller goes the usual way: create and schedule, post to the
   * inbox and schedule).
   */
  async beginWith<T>(runId: string, begin: (signal: AbortSignal) => Promise<{value: T; advanced: Promise<AdvanceResult>}>): Promise<T | undefined> {
    if (!this.accepting || this.inFlight.has(runId) || this.inFlight.size >= this.options.concurrency) return undefined
    this.inFlight.add(runId)
    let started: {value: T; advanced: Promise<AdvanceResult>}
    try {
      started = await begin(this.abort.signal)
    } catch (err) {
      this.again.delete(runId)
      this.settled(runId)
      throw err
    }
    void this.run(runId, started.advanced)
    return started.value
  }

  /** Stop taking work; in-flight advances may finish until `graceMs`, then they are interrupted. */
  async stop(graceMs: number): Promise<void> {
    this.accepting = false
    this.queue.clear()
    this.again.clear()
    if (this.inFlight.size === 0) return
    const idle = new Promise<void>((r) => this.idleWaiters.push(r))
    const timer = setTimeout(() => this.abort.abort(), graceMs)
    try {
      await idle
    } finally {
      clearTimeout(timer)
    }
  }

  private pump(): void {
    while (this.accepting && this.inFlight.size < this.options.concurrency && this.queue.size > 0) {
      const id = this.queue.values().next().value as string
      this.queue.delete(id)
      this.inFlight.add(id)
      void this.run(id)
    }
  }

  /** Advance `runId` until no one asks again; `first`: an advance already under way. */
  private async run(runId: string, first?: Promise<AdvanceResult>): Promise<void> {
    try {
      for (;;) {
        this.again.delete(runId)
        const r = first
          ? await first
          : this.options.advanceIn
            ? await this.options.advanceIn(runId, this.abort.signal)
            : await advanceRun(this.ws, runId, {...this.options.advance, signal: this.abort.signal})
        first = undefined
        this.advances++
        if (r.locked) this.options.onLocked(runId)
        else this.options.onAdvanced(r.view)
        if (!this.accepting || !this.again.has(runId)) break
      }
    } catch (err) {
      this.options.onError(runId, err)
    } finally {
      this.settled(runId)
    }
  }

  private settled(runId: string): void {
    this.inFlight.delete(runId)
    this.options.onSettled?.(runId)
    if (this.inFlight.size === 0) for (const w of this.idleWaiters.splice(0)) w()
    // setImmediate: let I/O callbacks (HTTP, watch events) in between bursts of sync work.
    setImmediate(() => this.pump())
  }
}
