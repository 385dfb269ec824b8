/**
 * The daemon (SPEC §7): one per workspace. It serves HTTP (callbacks, webhooks, run status),
 * executes runs other processes hand it (seen through signals, store/fs/signals.ts), resumes
 * runs whose waits were completed, fires sleeps and wait timeouts on time (timers.ts), fires
 * schedules (schedules.ts), and on start recovers every run left `running` by a dead process.
 *
 * Memory: parked runs are not held. The daemon keeps a run id → wake time index and the set of
 * runs being advanced right now; everything else is read from disk when something happens.
 *
 * Lifecycle: `daemon.lock` (O_EXCL, pid; stale when the pid is dead) makes it single-instance;
 * daemon.json {pid url started-at host port log} is written atomically after the HTTP server
 * listens and before the start-up scan (so any change is either scanned or signalled), and is
 * removed on a clean stop. stop(): no new work, in-flight advances get a grace period and are
 * then interrupted at a safe point (the run stays resumable), then the files go.
 */
import os from 'node:os'
import {BreytaError, toBreytaError} from '../errors.js'
import {admitQueued, hasQueuedRuns} from '../runtime/concurrency.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {failRunNow} from '../runtime/run-loop.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import {liveWorkspaceRedactor} from '../runtime/workspace-redactor.js'
import type {Workspace} from '../workspace/workspace.js'
import {handleCallback} from './callbacks.js'
import type {DaemonContext, DaemonLog} from './context.js'
import {Executor} from './executor.js'
import {holdHeap, releaseHeap, settleHeap, holdYoungGeneration} from './heap.js'
import {WorkerDied, WorkerPool, type CompleteOutcome, type CompleteRequest, type StartRequest} from './worker-pool.js'
import {errorReply, JsonText, startHttpServer, type HttpServer, type Reply, type Request} from './http-server.js'
import {assess, readView, scanRuns, type ScanResult} from './recovery.js'
import {RunChanges} from './run-changes.js'
import {handleRunView} from './run-view.js'
import {Scheduler} from './schedules.js'
import {alreadyRunning, listenControl, type ControlRequest, type ControlServer} from './presence.js'
import type {DaemonInfo} from './status.js'
import {startTeamSweep, sweepInterval, sweepOnce, type SweepHandlers} from './team-sweep.js'
import {TimerIndex} from './timers.js'
import {watchReleases, watchSignals, type Watchers} from './watcher.js'
import {handleWebhook} from './webhooks.js'

/** Runs advancing at once from which a webhook's run is made in a worker (startInWorker). */
const BUSY_ADVANCES = 2

export interface DaemonOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  env?: NodeJS.ProcessEnv
  log?: DaemonLog
  /** false: `log` writes no debug lines, so none is made (default: every line goes to `log`). */
  logDebug?: boolean
  /** How many runs may be advanced at once. */
  concurrency?: number
  /** Where a detached daemon's output goes (recorded in daemon.json). */
  logFile?: string | null
  /** How long in-flight advances may run on after stop() before they are interrupted. */
  graceMs?: number
  /** Worker threads for advances (0: the main thread); default config.edn :limits :workers. */
  workers?: number
  /**
   * Team mode (a store shared by several daemons): how often to sweep the store for runs no
   * daemon holds; default a third of the lease (team-sweep.ts). Not used with files.
   */
  sweepMs?: number
  /**
   * This process exists to be the daemon (`breyta daemon start`): hold its V8 heap small
   * (heap.ts). Not for a daemon inside another program, whose heap is not the daemon's to size.
   */
  holdHeap?: boolean
}

export interface DaemonStats {
  pid: number
  url: string
  'started-at': string
  'uptime-s': number
  active: number
  queued: number
  timers: number
  advances: number
  /** Webhook runs made by a worker thread (under load) rather than the main thread. */
  'made-in-workers': number
  /** Callbacks whose completion a worker's advance journaled (rather than the inbox). */
  'completed-in-workers': number
  'schedules-fired': number
  recovered: ScanResult | null
  http: {connections: number; 'body-bytes': number}
  /** For soak checks: memory and the listeners on the signal shared by all advances. */
  'rss-mb': number
  'abort-listeners': number
  /** GET /runs/RUN?wait=… requests waiting for their run to end or park. */
  'long-polls': number
}

/**
 * Runs advancing at once (BREYTA_DAEMON_CONCURRENCY). Past it a run is made on the main thread
 * and queued, which costs it a second read of its journal in the worker that advances it later:
 * with 50 clients of 3-step runs (workload C) against a limit of 32, throughput was 746–748
 * runs/s and 1.8 ms of daemon CPU per run; with 64, 816–838 runs/s and 1.6 ms. An advance in
 * flight holds a journal's file descriptor and a few kB.
 */
const DEFAULT_CONCURRENCY = 64
const LOCKED_RETRY_MS = [50, 250, 1000]

export async function startDaemon(ws: Workspace, options: DaemonOptions = {}): Promise<Daemon> {
  return Daemon.start(ws, options)
}

/** What only one daemon holds: the control socket (the single-instance lock) and daemon.lock. */
interface Claim {
  control: ControlServer
  lock: {release(): void}
}

/**
 * One daemon and its parts: the claim on the workspace, the HTTP server and its routes, the
 * executor (queue admission, worker pool, locked runs), the timers, the schedules, the watchers,
 * the start-up recovery and the shutdown. Built by `Daemon.start`, stopped by `stop()`.
 */
export class Daemon {
  readonly info: DaemonInfo
  private readonly env: NodeJS.ProcessEnv
  private readonly startedAt = new Date()
  private readonly runChanges = new RunChanges()
  private readonly ctx: DaemonContext
  private readonly timers: TimerIndex
  private readonly pool: WorkerPool | undefined
  private readonly executor: Executor
  private readonly scheduler: Scheduler
  private readonly watchers: Watchers[] = []
  /** How often a run held by another process was looked at again (see locked()). */
  private readonly lockedRetries = new Map<string, number>()
  private madeInWorkers = 0
  private completedInWorkers = 0
  private recovered: ScanResult | null = null
  /** Set once the start-up scan is done: the control socket takes runs from then on. */
  private ready: DaemonInfo | undefined
  private stopping: Promise<DaemonStats> | undefined
  private resolveStopped: (s: DaemonStats) => void = () => {}
  /** Resolves when the daemon has stopped (after stop()). */
  readonly stopped = new Promise<DaemonStats>((r) => (this.resolveStopped = r))

  /** Claim the workspace, listen, then recover, load schedules and watch; throws daemon_already_running. */
  static async start(ws: Workspace, options: DaemonOptions): Promise<Daemon> {
    const out = redactedLog(ws, options)
    // Late-bound: the control socket refuses until the daemon is ready, and no HTTP request is
    // handled before it exists (nothing is awaited between listening and building it).
    let daemon: Daemon | undefined
    const claim = await claimWorkspace(ws, async (req) => daemon?.answerControl(req))
    const http = await listenHttp(ws, options, claim, async (req) => (daemon ? daemon.handle(req) : errorReply(503, 'busy', 'the daemon is starting')), out.log)
    daemon = new Daemon(ws, options, out, claim, http)
    await daemon.begin()
    return daemon
  }

  private constructor(
    private readonly ws: Workspace,
    private readonly options: DaemonOptions,
    private readonly out: RedactedLog,
    private readonly claim: Claim,
    private readonly http: HttpServer,
  ) {
    // A plain copy: process.env reads through to the C environment, and listing it (each run
    // gathers the BREYTA_SECRET_* values to redact) cost ~85 µs a run. A daemon's own environment
    // does not change while it runs; frozen, its redactor is built once (workspace-redactor.ts).
    this.env = Object.freeze({...options.env})
    ws.pinBaseUrl(http.url)
    this.ctx = {
      ws,
      env: this.env,
      log: out.log,
      schedule: (id) => this.executor.schedule(id),
      runChanges: this.runChanges,
      advancing: (id) => this.executor.advancing(id),
    }
    this.timers = new TimerIndex((id) => this.executor.schedule(id))
    const workers = options.workers ?? ws.config.limits.workers
    // With no workers the main thread advances the runs itself: its heap is left to V8.
    const hold = options.holdHeap === true && workers > 0
    if (hold) holdHeap()
    else if (options.holdHeap === true) releaseHeap()
    this.pool =
      workers > 0
        ? new WorkerPool(ws, {
            size: workers,
            baseUrl: http.url,
            heapMb: ws.config.limits.heapMb,
            env: this.env,
            log: out.log,
            ...(hold ? {onWorkerStarted: holdHeap, collectIdle: settleHeap, onAdvanceEnded: holdYoungGeneration} : {}),
          })
        : undefined
    this.executor = this.createExecutor()
    const pool = this.pool
    // Under load only: the main thread, which serves every request, was the bottleneck of
    // workload C while the workers had time to spare; a run made here and handed over answers
    // sooner when little else runs (B: ~0.4 ms, two thread hops fewer before the 202).
    if (pool) this.ctx.startInWorker = async (id, request) => (this.executor.active < BUSY_ADVANCES ? undefined : this.startInWorker(pool, id, request))
    if (pool) this.ctx.completeInWorker = async (id, request) => this.completeInWorker(pool, id, request)
    this.scheduler = new Scheduler(this.ctx)
    this.info = {
      pid: process.pid,
      url: http.url,
      'started-at': this.startedAt.toISOString(),
      host: os.hostname(),
      port: http.port,
      log: options.logFile ?? null,
    }
  }

  private get log(): DaemonLog {
    return this.out.log
  }

  /** daemon.json, the start-up scan, schedules and watchers; then the control socket takes runs. */
  private async begin(): Promise<void> {
    const {ws, info} = this
    this.watchers.push(watchSignals(ws, (id) => this.consider(id)))
    await ws.local.writeDaemonInfo(info)
    // Webhooks and schedules create runs here: their directories are made ahead (store/fs/spare-runs.ts).
    ws.store.runs.prepareAhead?.()
    await this.recover()
    await this.scheduler.loadAll()
    this.watchers.push(watchReleases(ws, (slug) => void this.scheduler.load(slug)))
    if (this.team) this.watchTeam()
    this.ready = info
    this.log('info', 'listening', {url: this.http.url, pid: process.pid})
  }

  // --- control socket ---

  /** A ping or a hand-over on the control socket: the daemon's info, or undefined to refuse. */
  private async answerControl(req: ControlRequest): Promise<DaemonInfo | undefined> {
    const {ws} = this
    if (!this.ready || this.stopping) return undefined
    if (req.op === 'schedule') {
      if (typeof req.run !== 'string' || !(await ws.store.runs.exists(req.run))) return undefined
      this.executor.schedule(req.run)
    }
    return this.ready
  }

  // --- HTTP ---

  /**
   * Every HTTP answer passes the workspace's secrets redactor. One serialized already (JsonText)
   * is looked through as text, every form of every secret in one pass; only if one is there is
   * it parsed and redacted as the document it is (a secret's raw form might span JSON's quotes).
   */
  private async handle(req: Request): Promise<Reply> {
    const reply = await this.route(req)
    const redactor = this.out.redactor()
    if (!(reply.body instanceof JsonText)) return {...reply, body: redactor.unknown(reply.body)}
    return redactor.string(reply.body.text) === reply.body.text ? reply : {...reply, body: redactor.unknown(JSON.parse(reply.body.text))}
  }

  private async route(req: Request): Promise<Reply> {
    const {ctx} = this
    const [head, a, b, ...rest] = req.path
    if (head === 'healthz' && a === undefined) return {status: 200, body: {ok: true, ...this.stats()}}
    if (head === 'callbacks' && a !== undefined && b !== undefined && rest.length === 0) return handleCallback(ctx, req, a, b)
    if (head === 'webhooks' && a !== undefined && b === undefined) return handleWebhook(ctx, req, a)
    if (head === 'runs' && a !== undefined && b === undefined) return handleRunView(ctx, req, a)
    return errorReply(404, 'not_found', `no route ${req.method} /${req.path.join('/')}`)
  }

  // --- executor: advances, queue admission, worker pool ---

  private createExecutor(): Executor {
    const pool = this.pool
    return new Executor(this.ws, {
      concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY,
      advance: {env: this.env},
      ...(pool ? {advanceIn: (id: string, signal: AbortSignal) => pool.advance(id, signal)} : {}),
      onAdvanced: (view) => this.advanced(view),
      onLocked: (id) => this.locked(id),
      // A long poll that waited on the advance reads the run again if the advance brought no view.
      onSettled: (id) => this.runChanges.notify(id),
      onError: (id, err) => {
        if (err instanceof WorkerDied) return void this.workerDied(id, err)
        // Team mode: this daemon's lease ran out (it stalled) and another daemon took the run
        // over; the journal's fence refused what came after. Nothing to repair here.
        const e = toBreytaError(err)
        if (e.code === 'storage_error' && e.details?.conflict === true) {
          return void this.log('warn', 'run taken over by another daemon; this daemon wrote nothing more to it', {run: id, reason: e.details.reason})
        }
        this.log('error', 'advance failed', {run: id, error: String((err as Error)?.stack ?? err)})
      },
    })
  }

  /**
   * A webhook's run made and advanced by a worker. A worker that died may have made the run
   * before it could say so: then it is advanced here like any other (the caller answers 500,
   * and a webhook sender's retry starts another run, as after a crash).
   */
  private async startInWorker(pool: WorkerPool, id: string, request: StartRequest): Promise<RunView | undefined> {
    try {
      const view = await this.executor.beginWith(id, (signal) => pool.startIn(id, request, signal))
      if (view) this.madeInWorkers++
      return view
    } catch (err) {
      if (err instanceof WorkerDied && (await this.ws.store.runs.exists(id))) this.executor.schedule(id)
      throw err
    }
  }

  private async completeInWorker(pool: WorkerPool, id: string, request: CompleteRequest): Promise<CompleteOutcome | undefined> {
    const outcome = await this.executor.beginWith(id, (signal) => pool.completeIn(id, request, signal))
    if (outcome === 'accepted') this.completedInWorkers++
    return outcome
  }

  private advanced(view: RunView): void {
    this.runChanges.notify(view.id, view)
    this.lockedRetries.delete(view.id)
    this.timers.set(view.id, TERMINAL_STATUSES.includes(view.status) ? null : view['wake-at'])
    if (TERMINAL_STATUSES.includes(view.status)) {
      this.log('debug', `run ${view.status}`, {run: view.id, flow: view.flow})
      void this.admitWaiting(view.flow)
    }
  }

  /**
   * Another process holds the run; it signals when it lets go. Look again a few times in case
   * that signal raced ahead of the release.
   */
  private locked(id: string): void {
    const n = this.lockedRetries.get(id) ?? 0
    if (n >= LOCKED_RETRY_MS.length) return void this.lockedRetries.delete(id)
    this.lockedRetries.set(id, n + 1)
    setTimeout(() => this.consider(id), LOCKED_RETRY_MS[n]).unref()
  }

  /**
   * The worker advancing `runId` died. Its run lock names this process, so it is cleared here.
   * Out of heap with this run alone on it: the run is the cause and fails resource_exhausted.
   * Otherwise it is advanced again; a run that keeps killing workers ends run_crashed.
   */
  private async workerDied(runId: string, err: WorkerDied): Promise<void> {
    const {ws} = this
    try {
      await ws.store.leases.dropOwn(runId)
      if (err.exhausted && err.runs.length === 1) {
        const view = await failRunNow(ws, runId, {
          code: 'resource_exhausted',
          message: `the run needed more than the ${ws.config.limits.heapMb} MB heap of a daemon worker`,
          hint: 'Look at what the flow keeps in memory (large collections built in flow code, huge step outputs); raise config.edn :limits :heap-mb if it really needs more; then `breyta runs retry RUN`.',
          details: {'heap-mb': ws.config.limits.heapMb},
        })
        if (view) return void (await this.afterView(view))
      }
      this.executor.schedule(runId)
    } catch (e) {
      this.log('error', 'could not end a run after its worker died', {run: runId, error: String((e as Error)?.stack ?? e)})
    }
  }

  /** A run ended: queued runs of its flow may now have a slot. */
  private async admitWaiting(flow: string): Promise<void> {
    const {ws} = this
    try {
      if (!(await hasQueuedRuns(ws, flow))) return
      for (const id of await admitQueued(ws, flow)) this.executor.schedule(id)
    } catch (err) {
      this.log('warn', 'admission failed', {flow, error: (err as Error).message})
    }
  }

  // --- watcher, timers, recovery ---

  /** A run changed elsewhere (signal) or needs a look: decide from its snapshot. */
  private consider(runId: string): void {
    this.runChanges.notify(runId)
    void readView(this.ws, runId)
      .then((view) => view && this.afterView(view))
      .catch((err: unknown) => this.log('error', 'could not look at a run', {run: runId, error: String((err as Error)?.stack ?? err)}))
  }

  private async afterView(view: RunView): Promise<void> {
    const a = await assess(this.ws, view)
    this.timers.set(view.id, a.wakeAt)
    if (a.advance) this.executor.schedule(view.id)
    if (a.ended) void this.admitWaiting(view.flow)
  }

  /**
   * Every run left running by a dead process is advanced again; every parked run gets its timer.
   * A shared store may hold many finished runs and runs other daemons hold: team mode reads
   * neither (a sweep of the unfinished runs).
   */
  private async recover(): Promise<void> {
    this.recovered = this.team
      ? await sweepOnce(this.ws, this.sweepHandlers())
      : await scanRuns(this.ws, (id, a) => {
          this.timers.set(id, a.wakeAt)
          if (a.advance) this.executor.schedule(id)
        })
    this.log('info', 'start-up scan', {...this.recovered})
  }

  // --- team mode: other daemons share the store ---

  /** Files have one daemon per workspace; a shared store has others (store.kind postgres). */
  private get team(): boolean {
    return this.ws.store.kind === 'postgres'
  }

  private sweepHandlers(): SweepHandlers {
    return {
      advance: (id) => this.executor.schedule(id),
      wakeAt: (id, at) => this.timers.set(id, at),
      admit: (flow) => this.admitWaiting(flow),
      log: this.log,
    }
  }

  /**
   * The sweep takes up runs nobody holds (a dead daemon's, changes this daemon was not told
   * of); long polls hear runs other daemons advance through the change notices every process
   * hears (a signal goes to one daemon only).
   */
  private watchTeam(): void {
    const {ws} = this
    this.watchers.push(startTeamSweep(ws, this.options.sweepMs ?? sweepInterval(ws), this.sweepHandlers()))
    const notices = ws.store.signals.watch((id) => this.runChanges.notify(id))
    this.watchers.push({close: async () => notices.close()})
  }

  // --- stats and shutdown ---

  stats(): DaemonStats {
    const {http, executor, startedAt} = this
    return {
      pid: process.pid,
      url: http.url,
      'started-at': startedAt.toISOString(),
      'uptime-s': Math.round((Date.now() - startedAt.getTime()) / 1000),
      active: executor.active,
      queued: executor.queued,
      timers: this.timers.size,
      advances: executor.advances,
      'made-in-workers': this.madeInWorkers,
      'completed-in-workers': this.completedInWorkers,
      'schedules-fired': this.scheduler.fired,
      recovered: this.recovered,
      http: http.load(),
      'rss-mb': Math.round(process.memoryUsage.rss() / 1024 / 1024),
      'abort-listeners': executor.abortListeners,
      'long-polls': this.runChanges.waiting,
    }
  }

  /** No new work; in-flight advances get a grace period, then are interrupted at a safe point. */
  stop(): Promise<DaemonStats> {
    return (this.stopping ??= this.shutdown())
  }

  private async shutdown(): Promise<DaemonStats> {
    const {ws, pool, claim, options} = this
    this.log('info', 'stopping')
    this.scheduler.stop()
    this.timers.stop()
    await Promise.all(this.watchers.map((w) => w.close()))
    const closing = this.http.close()
    const grace = options.graceMs ?? 3000
    // A worker busy computing cannot take the interrupt; past a second grace it is terminated
    // (its runs stay resumable, the lock it held is cleared in workerDied).
    const hard = setTimeout(() => void pool?.stop(), 2 * grace)
    await this.executor.stop(grace)
    clearTimeout(hard)
    await pool?.stop()
    await closing
    const final = this.stats()
    await ws.local.removeDaemonInfo(process.pid)
    ws.pinBaseUrl(undefined)
    claim.lock.release()
    await claim.control.close()
    ws.store.signals.mute(false)
    this.log('info', 'stopped', {advances: final.advances})
    this.resolveStopped(final)
    return final
  }
}

interface RedactedLog {
  log: DaemonLog
  redactor: ReturnType<typeof liveWorkspaceRedactor>
}

/** Every line of the log passes the workspace's secrets redactor. */
function redactedLog(ws: Workspace, options: DaemonOptions): RedactedLog {
  const redactor = liveWorkspaceRedactor(ws.local, options.env ?? {})
  const rawLog: DaemonLog = options.log ?? (() => {})
  const log: DaemonLog = (level, message, fields) => {
    // A line nobody writes needs no redaction (a debug line per run looked at the secrets files).
    if (level === 'debug' && options.logDebug === false) return
    const r = redactor() // one look at the secrets files per line
    rawLog(level, r.string(message), fields === undefined ? undefined : (r.unknown(fields) as Record<string, unknown>))
  }
  return {log, redactor}
}

/** The control socket first: it is the single-instance lock a dead daemon cannot hold. Then daemon.lock. */
async function claimWorkspace(ws: Workspace, answer: (req: ControlRequest) => Promise<DaemonInfo | undefined>): Promise<Claim> {
  const control = await listenControl(ws, answer)
  try {
    return {control, lock: await acquire(ws)}
  } catch (err) {
    await control.close()
    throw err
  }
}

/** The HTTP server on the configured host and port; on failure the claim is given up. */
async function listenHttp(ws: Workspace, options: DaemonOptions, claim: Claim, handler: (req: Request) => Promise<Reply>, log: DaemonLog): Promise<HttpServer> {
  try {
    ws.store.signals.mute(true)
    const host = options.host ?? ws.config.daemon.host
    const port = options.port ?? ws.config.daemon.port
    try {
      return await startHttpServer(host, port, handler, (err) => log('error', 'http handler failed', {error: String((err as Error)?.stack ?? err)}))
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new BreytaError('internal', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`, {
        hint: e.code === 'EADDRINUSE' ? 'Another program uses that port: pick one with --port N (0 picks a free one).' : 'Check --host and --port.',
      })
    }
  } catch (err) {
    ws.store.signals.mute(false)
    claim.lock.release()
    await claim.control.close()
    throw err
  }
}

/**
 * daemon.lock, for tools that look at files. Whoever holds the control socket is the only
 * daemon, so a lock file still there belongs to a dead one (its pid may even look alive: a
 * zombie or a reused pid) and is taken over.
 */
async function acquire(ws: Workspace): Promise<{release(): void}> {
  const lock = await ws.local.takeDaemonLock()
  if (lock) return lock
  throw alreadyRunning(undefined)
}

/** The exact view of a run, from its journal (used where a snapshot could lag). */
export async function journalView(ws: Workspace, runId: string): Promise<RunView | undefined> {
  return projectRun((await ws.store.journals.read(runId)).events)
}
