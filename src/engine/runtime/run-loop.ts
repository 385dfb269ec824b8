/**
 * Advance one run until it completes, fails, is cancelled or parks. Only the holder of the
 * run's lock advances it. The flow body is re-evaluated from the top each time; the journal
 * (through ReplayState) makes completed steps return their recorded output without running.
 */
import {createHash} from 'node:crypto'
import {decode, encode, toJson, type Json} from '../edn/json.js'
import {emap, type EdnMap, type Value} from '../edn/values.js'
import {BreytaError, isStorageErrno, storageError, toBreytaError} from '../errors.js'
import {parseFlowOnce} from '../flow/parse-cache.js'
import type {FlowDefinition} from '../flow/types.js'
import {evaluateFlow} from '../interpreter/index.js'
import {isSuspend, Suspend} from '../interpreter/types.js'
import type {InboxEntry, JournalHandle, RunLease} from '../store/types.js'
import type {Approval, JournalEvent, NewJournalEvent, RecordedError, UnsequencedEvent} from '../journal/events.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import {stepExecutor} from '../steps/registry.js'
import type {ParkRequest, StepContext, StepExecutor, StepOutcome} from '../steps/types.js'
import type {CallbackSigner, Workspace} from '../workspace/workspace.js'
import {afterFailedAttempt, recordError, retryPolicy, RunCancelled, sleep, stepTimeoutMs, withTimeout, type RetryPolicy} from './attempts.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {executorDeaths, INTERRUPTED_LOG, openStep} from './crashes.js'
import {admitSelf, releaseSlot} from './concurrency.js'
import {ReplayState, type RecordedStep} from './replay.js'
import {buildStepContext, loadStepServices, type StepServices} from './step-context.js'
import {openStepOutput} from './step-output.js'
import type {Redactor} from './redact.js'
import {offloadStepOutput, redactError, redactValue, resolveConfigRefs} from './step-io.js'
import {recordedProcesses, stopRecordedProcesses} from './step-processes.js'
import {workspaceRedactor} from './workspace-redactor.js'

export interface AdvanceOptions {
  /** Fires when the process is asked to stop (SIGINT); the run is left resumable, not cancelled. */
  signal?: AbortSignal
  /** Observe every journal event as it is written (progress, TUI, daemon). */
  onEvent?: (event: JournalEvent) => void
  now?: () => Date
  /** Environment for secrets (BREYTA_SECRET_<NAME>); the CLI and daemon pass process.env. */
  env?: NodeJS.ProcessEnv
  /** Complete a wait in this advance (a daemon's callback), in its first lease only. */
  complete?: DirectCompletion
}

/**
 * A wait's completion journaled by the advance that takes the run's lease, rather than posted to
 * the inbox for it to find: a callback's answer then waits for one flush (the advance's first)
 * instead of the inbox's two in a row, then the advance's.
 */
export interface DirectCompletion {
  /**
   * Under the lease, with the run's view: the completion, claimed (InboxStore.claim), or
   * undefined to advance nothing now (the caller posts it to the inbox after all).
   */
  take(view: RunView, events: JournalEvent[]): Promise<InboxEntry | undefined>
}

export type AdvanceResult = {locked: true} | {locked: false; view: RunView}

const SNAPSHOT_INTERVAL_MS = 250
/**
 * Change notices for observers at most this often while a run advances; the end of every
 * advance gives one anyway (the lease's release signals). A 3-step run used to rewrite its
 * notice five times in a millisecond; the TUI and `runs watch` see a step at most this late.
 */
const NOTICE_INTERVAL_MS = 20
const CANCEL_POLL_MS = 100

/** The parts of one `flow/step` call that each of its attempts needs. */
interface StepCall {
  executor: StepExecutor
  type: string
  id: string
  cfg: EdnMap
  position: string
}

class Parked {
  waiting = false
  wakeAt: string | undefined
  note(kind: 'wait' | 'sleep', at?: string): void {
    if (kind === 'wait') this.waiting = true
    if (at !== undefined && (this.wakeAt === undefined || at < this.wakeAt)) this.wakeAt = at
  }
}

/** Give an ended run's concurrency slot back at once (others would notice on their next admission). */
export async function runEnded(ws: Workspace, view: RunView): Promise<void> {
  if (TERMINAL_STATUSES.includes(view.status)) await releaseSlot(ws, view)
}

/** Advance a run if no other process holds it; `{locked: true}` when one does. */
export async function advanceRun(ws: Workspace, runId: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
  let view: RunView | undefined
  // Completions are checked *after* the lock is released: a decision recorded while this process
  // held the lock is either seen here, or its writer's own tryLock succeeds once we let go.
  for (let i = 0; i < 10; i++) {
    const lease = await ws.store.leases.tryAcquire(runId, 'advance')
    if (!lease) break
    const stop = stopWhenLost(lease, options.signal)
    try {
      const once = i === 0 ? options : {...options, complete: undefined}
      view = await advanceLocked(ws, lease, stop ? {...once, signal: stop.signal} : once)
    } finally {
      stop?.dispose()
      await lease.release()
      // After the release, so a daemon that looks at once can take the lock.
      await ws.store.signals.signal(runId)
    }
    if (view.status !== 'waiting' || !(await hasPendingCompletion(ws, view))) break
  }
  if (view === undefined) return {locked: true}
  await runEnded(ws, view)
  return {locked: false, view}
}

/**
 * A lease that can be lost (team mode) interrupts the advance when it is, as a stop would: the
 * steps in flight are aborted and nothing more is written (the journal refuses it anyway).
 */
function stopWhenLost(lease: RunLease, outer: AbortSignal | undefined): {signal: AbortSignal; dispose(): void} | undefined {
  if (!lease.onLost) return undefined
  const stop = new AbortController()
  const onOuter = () => stop.abort(outer?.reason)
  if (outer?.aborted) onOuter()
  else outer?.addEventListener('abort', onOuter, {once: true})
  lease.onLost(() => stop.abort(new Error(`lost the lease of run ${lease.runId}`)))
  return {signal: stop.signal, dispose: () => outer?.removeEventListener('abort', onOuter)}
}

/**
 * End a run whose executor cannot (it died with the worker that ran it): run_failed with
 * `error`, naming the step it was in. Nothing happens when another process holds the run.
 */
export async function failRunNow(ws: Workspace, runId: string, error: Omit<RecordedError, 'step'>): Promise<RunView | undefined> {
  const lease = await ws.store.leases.tryAcquire(runId, 'advance')
  if (!lease) return undefined
  let view: RunView | undefined
  try {
    const read = await ws.store.journals.read(runId)
    const {events} = read
    const current = projectRun(events)
    if (!current || TERMINAL_STATUSES.includes(current.status)) return current
    const step = openStep(events)
    const journal = await ws.store.journals.open(lease, read)
    try {
      events.push(
        ...(await journal.appendNow({
          type: 'run_failed',
          at: new Date().toISOString(),
          error: {...error, ...(step ? {step, message: `${error.message} (in step "${step}")`} : {})},
        })),
      )
    } finally {
      await journal.close()
    }
    view = projectRun(events)!
    await ws.store.runs.writeSnapshot(view)
  } finally {
    await lease.release()
    await ws.store.signals.signal(runId)
  }
  await runEnded(ws, view)
  return view
}

async function hasPendingCompletion(ws: Workspace, view: RunView): Promise<boolean> {
  const open = new Set(view.waits.filter((w) => w.status === 'open').map((w) => w.key))
  return open.size > 0 && (await ws.store.inbox.read(view.id)).some((e) => open.has(e.key))
}

async function advanceLocked(ws: Workspace, lease: RunLease, options: AdvanceOptions): Promise<RunView> {
  const runId = lease.runId
  const now = options.now ?? (() => new Date())
  const read = await ws.store.journals.read(runId)
  const {events} = read
  const view = projectRun(events)
  if (!view) throw new BreytaError('run_not_found', `run "${runId}" has no journal`)
  if (TERMINAL_STATUSES.includes(view.status)) {
    // A process that died after journaling the end but before writing the snapshot left the
    // listed status behind (runs list would say running for good): the journal decides.
    if ((await ws.store.runs.readSnapshot(runId))?.status !== view.status) await ws.store.runs.writeSnapshot(view)
    return view
  }
  if (view.status === 'queued') {
    // Admission first: only a run that got a slot (first in line, FIFO) executes.
    if (!(await admitSelf(ws, runId))) return view
    return advanceLocked(ws, lease, options)
  }

  const taken = await options.complete?.take(view, events)
  if (options.complete && !taken) return view
  // Before the first event of this advance: every secret the workspace can resolve, used or not.
  const redactor = workspaceRedactor(ws.local, options.env ?? process.env)
  const journal = (await ws.store.journals.open(lease, read)).redactWith((e) => redactor.unknown(e) as UnsequencedEvent)
  const runner = new Runner(ws, runId, events, journal, redactor, options, now, taken)
  try {
    return await runner.run(view)
  } finally {
    await runner.close()
    // Ended before it journaled the completion (a cancel request, a full disk): the claim goes.
    if (taken && !events.some((e) => e.type === 'wait_completed' && e.key === taken.key)) await ws.store.inbox.unclaim(runId, taken)
  }
}

class Runner {
  private readonly replay: ReplayState
  private readonly abort = new AbortController()
  private readonly parked = new Parked()
  // A run that ends within the interval writes run.json once, at its end (created wrote the first).
  private lastSnapshot = Date.now()
  private lastNotice = Date.now()
  private noticeTimer?: NodeJS.Timeout
  /** Events appended but not yet known durable, so not yet reported. */
  private readonly unpublished: JournalEvent[] = []
  private cancelTimer?: NodeJS.Timeout
  private onOuterAbort?: () => void
  private services?: StepServices
  /**
   * Set when the disk refused a journal or snapshot write. From then on nothing may be
   * recorded or run: the error goes up as it is, never into a run_failed, so the run stays
   * resumable once there is room again.
   */
  private storeFailure?: BreytaError
  /** The last publishing of durable events (onEvent, run.json, the change notice). */
  private publishing: Promise<void> = Promise.resolve()
  /** The seq of the last event that a pure step may not run ahead of the flush of (see step). */
  private mustPrecedePure = 0
  /** Every event up to this seq is on disk. */
  private flushedTo = 0
  /** When the last flush ended (or the body began): a chain of pure steps still reports this often. */
  private flushedAt = Date.now()

  constructor(
    private readonly ws: Workspace,
    private readonly runId: string,
    private readonly events: JournalEvent[],
    private readonly writer: JournalHandle,
    private readonly redactor: Redactor,
    private readonly options: AdvanceOptions,
    private readonly now: () => Date,
    /** A completion this advance claimed (DirectCompletion), journaled before the inbox's. */
    private readonly taken?: InboxEntry,
  ) {
    this.replay = new ReplayState(events)
  }

  async run(view: RunView): Promise<RunView> {
    if (await this.cancelRequested()) return this.cancelledByRequest()
    const deaths = executorDeaths(this.events)
    const maxCrashes = this.ws.config.limits.maxCrashes
    if (deaths >= maxCrashes) return this.finish({type: 'run_failed', error: crashedError(this.events, deaths)})
    // Unsynced: if it is lost in a crash, the next advance simply writes it again.
    this.appendUnsynced({type: view['started-at'] === null ? 'run_started' : 'run_resumed', pid: process.pid})
    await this.dropOrphanedClaims(await this.ingestInbox())
    this.watchForCancel()
    let flow: FlowDefinition
    try {
      flow = await this.pinnedFlow()
    } catch (err) {
      return this.finish({type: 'run_failed', error: recordError(err, '', 0)})
    }
    // Read once per advance: the flow body and the steps sign callback URLs synchronously.
    const callbacks: CallbackSigner = await this.ws.callbacks()
    this.services = await loadStepServices(this.ws, this.runId, flow, this.options.env ?? process.env, this.redactor, callbacks)
    try {
      // The chain's clock (mayRunAheadOfFlush) starts with the body, not with the advance's reads before it.
      this.flushedAt = Date.now()
      const output = await this.evaluate(flow, callbacks)
      return this.finish({type: 'run_completed', output: this.encodeOut(output)})
    } catch (err) {
      return this.endAfterThrow(err)
    }
  }

  private async pinnedFlow(): Promise<FlowDefinition> {
    const created = this.events[0]?.type === 'run_created' ? this.events[0] : undefined
    const text = await this.ws.store.runs.readPinnedFlow(this.runId, created?.sha256)
    const sha256 = createHash('sha256').update(text).digest('hex')
    // Parsed once per process for each definition, not per run (the name is part of the cache
    // key; a run's own made every first advance parse again). Errors name the file the run was
    // started from, the same text as it was then.
    return parseFlowOnce(text, sha256, {file: created ? sourceFile(created) : `pinned/${sha256}.edn`})
  }

  /** The flow body from the top; every step call goes through `step` (replayed, resumed or run). */
  private evaluate(flow: FlowDefinition, callbacks: CallbackSigner): Promise<Value> {
    const created = this.events[0] as Extract<JournalEvent, {type: 'run_created'}>
    return evaluateFlow(
      flow,
      {
        input: decode(created.input),
        runId: this.runId,
        now: created.at,
        callbackUrl: (key) => callbacks.callbackUrl(this.runId, key),
        step: (type, id, config, position) => this.step(flow, type, id, config, position),
      },
      {budgetMs: this.ws.config.limits.computeMs},
    )
  }

  /** The body threw: it parked, the process is stopping, the run was cancelled, or it failed. */
  private async endAfterThrow(err: unknown): Promise<RunView> {
    if (this.storeFailure) throw this.storeFailure
    if (isSuspend(err)) return this.parkRun()
    if (err instanceof RunCancelled || this.abort.signal.aborted) return this.stopped()
    return this.finish({type: 'run_failed', error: flowFailure(err)})
  }

  private cancelledByRequest(): Promise<RunView> {
    return this.finish({type: 'run_cancelled', reason: 'cancelled by request'})
  }

  private async parkRun(): Promise<RunView> {
    if (await this.cancelRequested()) return this.cancelledByRequest()
    return this.finish({
      type: 'run_parked',
      status: this.parked.waiting ? 'waiting' : 'sleeping',
      ...(this.parked.wakeAt ? {wakeAt: this.parked.wakeAt} : {}),
    })
  }

  private async stopped(): Promise<RunView> {
    if (await this.cancelRequested()) return this.cancelledByRequest()
    // The process is stopping: leave the run as it is; `runs resume` or the daemon continues it.
    // The log says it stopped on purpose, so the next advance does not count a crash.
    this.append({type: 'log', message: INTERRUPTED_LOG})
    await this.durable()
    return this.snapshot(true)
  }

  async close(): Promise<void> {
    if (this.cancelTimer) clearInterval(this.cancelTimer)
    // The release that follows notices the change.
    if (this.noticeTimer) clearTimeout(this.noticeTimer)
    if (this.onOuterAbort) this.options.signal?.removeEventListener('abort', this.onOuterAbort)
    this.services?.close()
    await this.writer.close()
  }

  private async cancelRequested(): Promise<boolean> {
    return (await this.ws.store.runs.cancelRequested(this.runId)) !== undefined
  }

  /** Cancellation arrives from another process (RunStore.requestCancel); poll it cheaply. */
  private watchForCancel(): void {
    this.cancelTimer = setInterval(() => {
      // A failed look is the same as no request: the next poll looks again.
      this.cancelRequested().then(
        (asked) => asked && this.abort.abort(new RunCancelled()),
        () => {},
      )
    }, CANCEL_POLL_MS)
    this.cancelTimer.unref()
    const outer = this.options.signal
    if (outer) {
      // One signal serves every advance of a long-lived daemon: the listener must go in close().
      this.onOuterAbort = () => this.abort.abort(new RunCancelled('interrupted'))
      if (outer.aborted) this.onOuterAbort()
      else outer.addEventListener('abort', this.onOuterAbort, {once: true})
    }
  }

  /** Write events at once; they are flushed with other runs' (group commit) and count only after `durable()`. */
  private append(...events: NewJournalEvent[]): void {
    this.mustPrecedePure = this.appendPure(...events).at(-1)!.seq
  }

  /** Append a pure step's own record: flushed with the next durable(), which a pure step need not wait for (mayRunAheadOfFlush). */
  private appendPure(...events: NewJournalEvent[]): JournalEvent[] {
    const written = this.store(() => this.writer.append(...this.stamp(events)))
    this.record(written)
    return written
  }

  /**
   * Append and flush before returning (a synchronous fdatasync): for a record that something
   * acts on at once, outside this run's awaits (exec's gate opens once step_process is on disk).
   */
  private async appendNow(...events: NewJournalEvent[]): Promise<void> {
    const written = await this.storeAsync(() => this.writer.appendNow(...this.stamp(events)))
    this.flushedTo = Math.max(this.flushedTo, written.at(-1)!.seq)
    this.record(written)
  }

  /**
   * Wait until everything appended is on disk, then let it be seen (onEvent, run.json, the
   * change notice): nothing is reported, and no step proceeds, before its events are durable.
   */
  private async durable(): Promise<void> {
    if (this.storeFailure) throw this.storeFailure
    const upTo = this.writer.lastSeq
    try {
      await this.writer.durable()
      this.flushedTo = Math.max(this.flushedTo, upTo)
      this.flushedAt = Date.now()
    } catch (err) {
      this.store(() => {
        throw err
      })
    }
    const fresh = this.unpublished.splice(0).sort((a, b) => a.seq - b.seq)
    // Every caller waits for the publishing before it, in the order they came: concurrent
    // branches (flow/map) then go on in the order they asked, however long a store write takes.
    if (fresh.length > 0) this.publishing = this.publishing.catch(() => {}).then(() => this.publish(fresh))
    await this.publishing
  }

  private async publish(fresh: JournalEvent[]): Promise<void> {
    for (const e of fresh) this.options.onEvent?.(e)
    await this.snapshot(false)
    // Observers (the TUI) follow a run step by step; the daemon hears only when we let go.
    this.notice()
  }

  /** A change notice now, or at the end of the interval if one was given within it. */
  private notice(): void {
    const wait = this.lastNotice + NOTICE_INTERVAL_MS - Date.now()
    if (wait > 0) {
      this.noticeTimer ??= setTimeout(() => {
        this.noticeTimer = undefined
        this.notice()
      }, wait).unref()
      return
    }
    this.lastNotice = Date.now()
    // A lost notice shows with the next one, or at the release.
    this.ws.store.signals.noteChanged(this.runId).catch(() => {})
  }

  private appendUnsynced(...events: NewJournalEvent[]): void {
    this.store(() => this.record(this.writer.appendUnsynced(...this.stamp(events))))
  }

  /** Run a write to the run's store; a refusal by the storage stops the run (see storeFailure). */
  private store<T>(write: () => T): T {
    if (this.storeFailure) throw this.storeFailure
    try {
      return write()
    } catch (err) {
      throw this.failedStore(err)
    }
  }

  private async storeAsync<T>(write: () => Promise<T>): Promise<T> {
    if (this.storeFailure) throw this.storeFailure
    try {
      return await write()
    } catch (err) {
      throw this.failedStore(err)
    }
  }

  private failedStore(err: unknown): unknown {
    if (!isStorageErrno(err) && !(err instanceof BreytaError && err.code === 'storage_error')) return err
    this.storeFailure = storageError(err, this.runId)
    return this.storeFailure
  }

  private stamp(events: NewJournalEvent[]): UnsequencedEvent[] {
    const at = this.now().toISOString()
    return events.map((e) => ({...e, at}) as UnsequencedEvent)
  }

  /**
   * Keep what was written in journal order. An `appendNow` is recorded when its flush resolves,
   * so a concurrent branch's grouped append (a later seq) may be recorded before it.
   */
  private record(written: JournalEvent[]): void {
    for (const e of written) {
      let i = this.events.length
      while (i > 0 && this.events[i - 1]!.seq > e.seq) i--
      this.events.splice(i, 0, e)
      this.replay.record(e)
    }
    this.unpublished.push(...written)
  }

  private async snapshot(force: boolean): Promise<RunView> {
    const t = Date.now()
    if (!force && t - this.lastSnapshot < SNAPSHOT_INTERVAL_MS) return undefined as unknown as RunView
    this.lastSnapshot = t
    const view = projectRun(this.events)!
    await this.storeAsync(() => this.ws.store.runs.writeSnapshot(view))
    return view
  }

  private async finish(event: NewJournalEvent): Promise<RunView> {
    this.append(event)
    await this.durable()
    if (TERMINAL_STATUSES.includes(projectRun(this.events)!.status)) await this.ws.store.runs.clearCancel(this.runId)
    return this.snapshot(true)
  }

  /** The approval as journaled: :show values as plain JSON for people, redacted like outputs. */
  private approvalOut(a: {prompt: string; show?: [string, Value][]}): Approval {
    const redact = (v: Value): Value => (this.services ? redactValue(this.services, v) : v)
    const prompt = redact(a.prompt)
    return {
      prompt: typeof prompt === 'string' ? prompt : a.prompt,
      ...(a.show ? {show: Object.fromEntries(a.show.map(([k, v]) => [k, toJson(redact(v))]))} : {}),
    }
  }

  private encodeOut(v: Value): Json {
    return encode(this.services ? redactValue(this.services, v) : v)
  }

  /** One `flow/step` call: replay it, resume a parked one, or run it. */
  private async step(flow: FlowDefinition, type: string, id: string, config: Value, position: string): Promise<Value> {
    if (this.abort.signal.aborted) throw new RunCancelled()
    const record = this.replay.lookup(position, type, id)
    const found = stepExecutor(type)
    // A step executes only once what came before it is on disk, but for a pure one after pure
    // ones (mayRunAheadOfFlush). One taken from the journal acts outside the run no more than the
    // journal says, so what it adds is flushed with the next step that executes, or the run's end
    // (a resumed wait flushed its completion and then its result, one after the other).
    if (fromJournal(record)) await this.publishing
    else if (this.mayRunAheadOfFlush(found)) await this.aheadOfFlush()
    else await this.durable()
    if (record?.completed) return decode(record.completed.output)
    if (record?.failed) throw stepFailure(record.failed.error)
    const executor = found ?? unknownStepType(type, id)
    const cfg: EdnMap = config instanceof Map ? config : new Map()
    if (record?.wait) return this.resumeWait(record.wait, position)
    if (record?.sleep) return this.resumeSleep(record.sleep.step, type, record.sleep.until, position, record.lastAttempt)
    // A new step, or one started and not finished (its process died, or it stopped): a new attempt.
    // `return await`: the step settles one tick after its attempt, the fewest a separate method allows, so
    // concurrent branches that raced through the attempt in one method keep their order.
    return await this.attempts({executor, type, id, cfg, position}, record ? record.lastAttempt + 1 : 1)
  }

  /**
   * A pure step (`:function`) need not wait for the flush of what pure steps and the run's start
   * recorded before it: it acts on nothing outside the run, so if the machine dies before the
   * next flush, the replay computes the same again, and nobody saw the lost records (nothing is
   * reported before it is flushed, durable()). Their records are written at once (in the file
   * store a crash of the process loses none of them; PostgreSQL stages them until the flush) and
   * flushed with the next record that must be on disk: before a
   * step that acts outside the run starts, when the run parks or ends. Anything else still
   * unflushed (another step's result, a completion taken from the inbox) is flushed first, as
   * before. A chain that has computed for NOTICE_INTERVAL_MS since the last flush is flushed
   * and reported all the same, so observers follow a slow one step by step as before. Why: a
   * chain of function steps waited for one fdatasync per step; a 3-step run of workload C
   * (issue 18) cost ~13% more daemon CPU with them.
   */
  private mayRunAheadOfFlush(executor: StepExecutor | undefined): boolean {
    return executor?.pure === true && this.mustPrecedePure <= this.flushedTo && Date.now() - this.flushedAt < NOTICE_INTERVAL_MS
  }

  /** What a step that may run ahead of the flush waits for instead of durable(): the publishing before it. */
  private async aheadOfFlush(): Promise<void> {
    if (this.storeFailure) throw this.storeFailure
    await this.publishing
  }

  /** Attempts from `first` until one completes or parks, or the retry policy gives up. */
  private async attempts(call: StepCall, first: number): Promise<Value> {
    const {executor, type, id, cfg, position} = call
    const policy = retryPolicy(cfg)
    const timeoutMs = stepTimeoutMs(cfg)
    for (let attempt = first; ; attempt++) {
      if (attempt > 1) await this.stopEarlierCopies(position)
      const started: NewJournalEvent = {type: 'step_started', step: id, stepType: type, position, attempt, input: this.encodeOut(cfg)}
      if (executor.pure) this.appendUnsynced(started)
      else this.append(started)
      if (!executor.pure) await this.durable()
      try {
        const outcome = await this.execute(call, attempt, timeoutMs)
        // Returned, not awaited: the park's own outcome (a Suspend, a wait's timeout) is not this attempt failing.
        if (outcome.kind === 'park') return this.park(outcome.park, id, type, position, attempt)
        const output = await offloadStepOutput(this.services!, cfg, outcome.output, id)
        this.recordCompleted(call, attempt, output, outcome.meta)
        return output
      } catch (err) {
        await sleep(this.attemptFailed(err, call, attempt, policy), this.abort.signal)
      }
    }
  }

  /** The step's own work, under its timeout and the run's abort. */
  private execute(call: StepCall, attempt: number, timeoutMs: number | undefined): Promise<StepOutcome> {
    const {executor, id, cfg, position} = call
    return withTimeout(
      async (signal) => {
        const output = openStepOutput(this.services!, id, attempt, this.now)
        const ctx: StepContext = buildStepContext(this.services!, {
          stepId: id,
          attempt,
          signal,
          now: this.now,
          output,
          log: (message) => this.append({type: 'log', step: id, message}),
          processStarted: (p) => this.appendNow({type: 'step_process', step: id, position, attempt, ...p}),
        })
        try {
          return await executor.run(await resolveConfigRefs(this.services!, cfg, ctx), ctx)
        } finally {
          // Before the step's end is journaled: a reader sees its last line before it completes.
          output.close()
        }
      },
      {timeoutMs, outer: this.abort.signal, stepId: id},
    )
  }

  private recordCompleted(call: StepCall, attempt: number, output: Value, meta: Record<string, unknown> | undefined): void {
    const completed: NewJournalEvent = {
      type: 'step_completed',
      step: call.id,
      stepType: call.type,
      position: call.position,
      attempt,
      output: this.encodeOut(output),
      ...(meta ? {meta: encode(meta as unknown as Value)} : {}),
    }
    if (call.executor.pure) this.appendPure(completed)
    else this.append(completed)
  }

  /**
   * Journal a failed attempt: as retried (the backoff is returned), or as the step's failure
   * (thrown). A cancellation or a refusing store is the run's end, not the step's.
   */
  private attemptFailed(err: unknown, call: StepCall, attempt: number, policy: RetryPolicy): number {
    if (err instanceof RunCancelled) throw err
    if (this.storeFailure) throw this.storeFailure
    const {id: step, position} = call
    const verdict = afterFailedAttempt(policy, redactError(this.services!, recordError(err, step, attempt)), attempt)
    if (verdict.retry) {
      this.append({type: 'step_attempt_failed', step, position, attempt, error: verdict.error, retryInMs: verdict.retryInMs})
      return verdict.retryInMs
    }
    this.append({type: 'step_failed', step, position, attempt, error: verdict.error})
    throw stepFailure(verdict.error)
  }

  /** An earlier attempt's process group still running (its process died, or ignored TERM) is stopped first. */
  private async stopEarlierCopies(position: string): Promise<void> {
    const procs = recordedProcesses(this.events, position)
    if (procs.length === 0) return
    const stopped = await stopRecordedProcesses(procs, 'an earlier attempt was still running')
    if (stopped.length > 0) this.append(...stopped)
  }

  private async park(req: ParkRequest, id: string, type: string, position: string, attempt: number): Promise<Value> {
    if (req.kind === 'sleep') {
      this.append({type: 'sleep_started', step: id, position, until: req.until})
      return this.resumeSleep(id, type, req.until, position, attempt)
    }
    const opened = {
      type: 'wait_opened' as const,
      step: id,
      position,
      key: req.key,
      onTimeout: req.onTimeout,
      ...(req.timeoutAt ? {timeoutAt: req.timeoutAt} : {}),
      ...(req.defaultValue !== undefined ? {defaultValue: encode(req.defaultValue)} : {}),
      ...(req.approval ? {approval: this.approvalOut(req.approval)} : {}),
      ...(req.validation ? {validation: req.validation} : {}),
    }
    this.append(opened)
    const wait = this.events.at(-1) as Extract<JournalEvent, {type: 'wait_opened'}>
    // Best effort: a post without what this makes ahead makes it itself.
    await this.ws.store.inbox.prepare?.(this.runId).catch(() => {})
    return this.resumeWait(wait, position)
  }

  /** Move wait completions from the inbox into the journal (each key once); the entries read. */
  private async ingestInbox(): Promise<InboxEntry[]> {
    const entries = await this.ws.store.inbox.read(this.runId)
    for (const entry of this.taken ? [this.taken, ...entries] : entries) {
      if (this.replay.completions.has(entry.key)) continue
      this.append({
        type: 'wait_completed',
        key: entry.key,
        payload: entry.payload,
        source: entry.source,
        ...(entry.by ? {by: entry.by} : {}),
        ...(entry.decision ? {decision: entry.decision} : {}),
      })
    }
    return entries
  }

  /**
   * A claim (InboxStore.claim) is made and journaled under the lease, which this advance holds
   * now: one still there for a wait the journal has open was left by a claimer that died. It
   * would turn every post for the key away. Looked for once an advance, at its start (every
   * wait it resumes takes the inbox in again: a flow/map of N waits would look N² times).
   */
  private async dropOrphanedClaims(entries: InboxEntry[]): Promise<void> {
    const inbox = this.ws.store.inbox
    if (!inbox.dropOrphanedClaim) return
    for (const w of this.replay.openWaits()) {
      if (entries.some((e) => e.key === w) || !(await inbox.has(this.runId, w))) continue
      await inbox.dropOrphanedClaim(this.runId, w)
    }
  }

  private async resumeWait(wait: Extract<JournalEvent, {type: 'wait_opened'}>, position: string): Promise<Value> {
    if (!this.replay.completions.has(wait.key)) await this.ingestInbox()
    const done = this.replay.completions.get(wait.key)
    if (done) {
      const output = decode(done.payload)
      this.append({type: 'step_completed', step: wait.step, stepType: 'wait', position, attempt: 1, output: done.payload})
      return output
    }
    if (wait.timeoutAt !== undefined && wait.timeoutAt <= this.now().toISOString()) {
      if (wait.onTimeout === 'continue') {
        const payload = wait.defaultValue ?? null
        this.append(
          {type: 'wait_completed', key: wait.key, payload, source: 'timeout'},
          {type: 'step_completed', step: wait.step, stepType: 'wait', position, attempt: 1, output: payload},
        )
        return Promise.resolve(decode(payload))
      }
      const error: RecordedError = {
        code: 'step_failed',
        message: `wait "${wait.key}" (step "${wait.step}") timed out at ${wait.timeoutAt}`,
        step: wait.step,
        hint: 'Give the wait a longer :timeout, or :on-timeout :continue with a :default-value.',
      }
      this.append({type: 'step_failed', step: wait.step, position, attempt: 1, error})
      return Promise.reject(stepFailure(error))
    }
    this.parked.note('wait', wait.timeoutAt)
    return Promise.reject(new Suspend('waiting'))
  }

  private resumeSleep(step: string, type: string, until: string, position: string, attempt: number): Promise<Value> {
    if (until <= this.now().toISOString()) {
      const output = emap({'slept-until': until})
      this.append({type: 'step_completed', step, stepType: type, position, attempt: Math.max(attempt, 1), output: encode(output)})
      return Promise.resolve(output)
    }
    this.parked.note('sleep', until)
    return Promise.reject(new Suspend('sleeping'))
  }
}

/** run_crashed, naming the step the executor was in when it last died. */
function crashedError(events: readonly JournalEvent[], deaths: number): RecordedError {
  const step = openStep(events)
  return {
    code: 'run_crashed',
    message: `the process advancing this run died ${deaths} times in a row${step ? ` in step "${step}"` : ''} without getting further`,
    hint: 'It was killed or ran out of memory each time; look at that step or the flow code before it (`breyta runs show RUN`), fix it or raise config.edn :limits, then `breyta runs retry RUN`. (:limits :max-crashes sets how many deaths in a row end a run.)',
    details: {deaths},
    ...(step ? {step} : {}),
  }
}

/** A failure of the flow body itself (not of a step's attempt), as run_failed records it. */
function flowFailure(err: unknown): RecordedError {
  const e = toBreytaError(err)
  const step = (e.details?.step as string | undefined) ?? undefined
  const hint = e.hint ?? (e.code === 'run_failed' ? FLOW_CODE_HINT : undefined)
  return {
    code: e.code,
    message: e.message,
    ...(hint ? {hint} : {}),
    ...(e.details ? {details: e.details} : {}),
    ...(step ? {step} : {}),
  }
}

/** Flow code that failed fails the same way on every run of that definition: retrying cannot help. */
const FLOW_CODE_HINT =
  "The flow's own code failed (details.form shows where): fix the flow, push it, and start a new run with `breyta flows run SLUG`; `breyta runs retry` reruns the same definition and would fail the same way."

/** The step type must exist even for a recorded wait or sleep: a renamed type is a changed flow. */
/** A step that ran before (it returns what it recorded) or parked (it resumes from the journal). */
function fromJournal(record: RecordedStep | undefined): boolean {
  return record !== undefined && (record.completed !== undefined || record.failed !== undefined || record.wait !== undefined || record.sleep !== undefined)
}

/** The file a run's definition came from: the draft, or the released version. */
function sourceFile(created: Extract<JournalEvent, {type: 'run_created'}>): string {
  return created.target === 'draft' || created.version === null ? `flows/${created.flow}.edn` : `releases/${created.flow}/v${created.version}.edn`
}

function unknownStepType(type: string, id: string): never {
  throw new BreytaError('invalid_flow', `unknown step type :${type} (step "${id}")`, {
    hint: 'Run `breyta flows validate` to see the known step types.',
    details: {step: id},
  })
}

function stepFailure(error: RecordedError): BreytaError {
  const message = error.step ? `step "${error.step}" failed: ${error.message}` : error.message
  return new BreytaError('step_failed', message, {
    hint: error.hint,
    details: {...(error.details ?? {}), step: error.step, attempt: error.attempt, cause: error.code},
  })
}
