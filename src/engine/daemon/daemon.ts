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
import {WorkerDied, WorkerPool} from './worker-pool.js'
import {errorReply, startHttpServer, type HttpServer, type Reply, type Request} from './http-server.js'
import {assess, readView, scanRuns, type ScanResult} from './recovery.js'
import {RunChanges} from './run-changes.js'
import {handleRunView} from './run-view.js'
import {Scheduler} from './schedules.js'
import {alreadyRunning, listenControl} from './presence.js'
import type {DaemonInfo} from './status.js'
import {startTeamSweep, sweepInterval, sweepOnce} from './team-sweep.js'
import {TimerIndex} from './timers.js'
import {watchReleases, watchSignals, type Watchers} from './watcher.js'
import {handleWebhook} from './webhooks.js'

export interface DaemonOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  env?: NodeJS.ProcessEnv
  log?: DaemonLog
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
  'schedules-fired': number
  recovered: ScanResult | null
  http: {connections: number; 'body-bytes': number}
  /** For soak checks: memory and the listeners on the signal shared by all advances. */
  'rss-mb': number
  'abort-listeners': number
  /** GET /runs/RUN?wait=… requests waiting for their run to end or park. */
  'long-polls': number
}

export interface Daemon {
  info: DaemonInfo
  stats(): DaemonStats
  /** Resolves when the daemon has stopped (after stop()). */
  stopped: Promise<DaemonStats>
  stop(): Promise<DaemonStats>
}

const DEFAULT_CONCURRENCY = 32
const LOCKED_RETRY_MS = [50, 250, 1000]

export async function startDaemon(ws: Workspace, options: DaemonOptions = {}): Promise<Daemon> {
  // Every line of the log and every HTTP answer passes the workspace's secrets redactor.
  const redactor = liveWorkspaceRedactor(ws.local, options.env ?? {})
  const rawLog: DaemonLog = options.log ?? (() => {})
  const log: DaemonLog = (level, message, fields) => {
    const r = redactor() // one look at the secrets files per line
    rawLog(level, r.string(message), fields === undefined ? undefined : (r.unknown(fields) as Record<string, unknown>))
  }
  let ready: DaemonInfo | undefined
  let stopping: Promise<DaemonStats> | undefined
  // The control socket first: it is the single-instance lock a dead daemon cannot hold.
  const control = await listenControl(ws, async (req) => {
    if (!ready || stopping) return undefined
    if (req.op === 'schedule') {
      if (typeof req.run !== 'string' || !(await ws.store.runs.exists(req.run))) return undefined
      executor.schedule(req.run)
    }
    return ready
  })
  let lock: {release(): void}
  let http: HttpServer
  try {
    lock = await acquire(ws)
  } catch (err) {
    await control.close()
    throw err
  }
  try {
    ws.store.signals.mute(true)
    const host = options.host ?? ws.config.daemon.host
    const port = options.port ?? ws.config.daemon.port
    try {
      http = await startHttpServer(host, port, async (req) => redactReply(await route(req)), (err) => log('error', 'http handler failed', {error: String((err as Error)?.stack ?? err)}))
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new BreytaError('internal', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`, {hint: e.code === 'EADDRINUSE' ? 'Another program uses that port: pick one with --port N (0 picks a free one).' : 'Check --host and --port.'})
    }
  } catch (err) {
    ws.store.signals.mute(false)
    lock.release()
    await control.close()
    throw err
  }

  function redactReply(reply: Reply): Reply {
    return {...reply, body: redactor().unknown(reply.body)}
  }

  const startedAt = new Date()
  const env = options.env ?? {}
  let recovered: ScanResult | null = null
  const runChanges = new RunChanges()
  const ctx: DaemonContext = {ws, env, log, schedule: (id) => executor.schedule(id), runChanges}
  const timers = new TimerIndex((id) => executor.schedule(id))
  const lockedRetries = new Map<string, number>()

  const afterView = async (view: RunView) => {
    const a = await assess(ws, view)
    timers.set(view.id, a.wakeAt)
    if (a.advance) executor.schedule(view.id)
    if (a.ended) void admitWaiting(view.flow)
  }

  const workers = options.workers ?? ws.config.limits.workers
  const pool = workers > 0 ? new WorkerPool(ws, {size: workers, heapMb: ws.config.limits.heapMb, env, log}) : undefined
  const executor: Executor = new Executor(ws, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    advance: {env},
    ...(pool ? {advanceIn: (id: string, signal: AbortSignal) => pool.advance(id, signal)} : {}),
    onAdvanced: (view) => {
      runChanges.notify(view.id)
      lockedRetries.delete(view.id)
      timers.set(view.id, TERMINAL_STATUSES.includes(view.status) ? null : view['wake-at'])
      if (TERMINAL_STATUSES.includes(view.status)) {
        log('debug', `run ${view.status}`, {run: view.id, flow: view.flow})
        void admitWaiting(view.flow)
      }
    },
    onLocked: (id) => {
      // Another process holds the run; it signals when it lets go. Look again a few times in
      // case that signal raced ahead of the release.
      const n = lockedRetries.get(id) ?? 0
      if (n >= LOCKED_RETRY_MS.length) return void lockedRetries.delete(id)
      lockedRetries.set(id, n + 1)
      setTimeout(() => consider(id), LOCKED_RETRY_MS[n]).unref()
    },
    onError: (id, err) => {
      if (err instanceof WorkerDied) return void workerDied(id, err)
      // Team mode: this daemon's lease ran out (it stalled) and another daemon took the run
      // over; the journal's fence refused what came after. Nothing to repair here.
      const e = toBreytaError(err)
      if (e.code === 'storage_error' && e.details?.conflict === true) return void log('warn', 'run taken over by another daemon; this daemon wrote nothing more to it', {run: id, reason: e.details.reason})
      log('error', 'advance failed', {run: id, error: String((err as Error)?.stack ?? err)})
    },
  })

  /**
   * The worker advancing `runId` died. Its run lock names this process, so it is cleared here.
   * Out of heap with this run alone on it: the run is the cause and fails resource_exhausted.
   * Otherwise it is advanced again; a run that keeps killing workers ends run_crashed.
   */
  async function workerDied(runId: string, err: WorkerDied): Promise<void> {
    try {
      await ws.store.leases.dropOwn(runId)
      if (err.exhausted && err.runs.length === 1) {
        const view = await failRunNow(ws, runId, {
          code: 'resource_exhausted',
          message: `the run needed more than the ${ws.config.limits.heapMb} MB heap of a daemon worker`,
          hint: 'Look at what the flow keeps in memory (large collections built in flow code, huge step outputs); raise config.edn :limits :heap-mb if it really needs more; then `breyta runs retry RUN`.',
          details: {'heap-mb': ws.config.limits.heapMb},
        })
        if (view) return void (await afterView(view))
      }
      executor.schedule(runId)
    } catch (e) {
      log('error', 'could not end a run after its worker died', {run: runId, error: String((e as Error)?.stack ?? e)})
    }
  }

  /** A run changed elsewhere (signal) or needs a look: decide from its snapshot. */
  function consider(runId: string): void {
    runChanges.notify(runId)
    void readView(ws, runId).then((view) => view && afterView(view)).catch((err: unknown) => log('error', 'could not look at a run', {run: runId, error: String((err as Error)?.stack ?? err)}))
  }

  /** A run ended: queued runs of its flow may now have a slot. */
  async function admitWaiting(flow: string): Promise<void> {
    try {
      if (!(await hasQueuedRuns(ws, flow))) return
      for (const id of await admitQueued(ws, flow)) executor.schedule(id)
    } catch (err) {
      log('warn', 'admission failed', {flow, error: (err as Error).message})
    }
  }

  async function route(req: Request): Promise<Reply> {
    const [head, a, b, ...rest] = req.path
    if (head === 'healthz' && a === undefined) return {status: 200, body: {ok: true, ...stats()}}
    if (head === 'callbacks' && a !== undefined && b !== undefined && rest.length === 0) return handleCallback(ctx, req, a, b)
    if (head === 'webhooks' && a !== undefined && b === undefined) return handleWebhook(ctx, req, a)
    if (head === 'runs' && a !== undefined && b === undefined) return handleRunView(ctx, req, a)
    return errorReply(404, 'not_found', `no route ${req.method} /${req.path.join('/')}`)
  }

  function stats(): DaemonStats {
    return {
      pid: process.pid,
      url: http.url,
      'started-at': startedAt.toISOString(),
      'uptime-s': Math.round((Date.now() - startedAt.getTime()) / 1000),
      active: executor.active,
      queued: executor.queued,
      timers: timers.size,
      advances: executor.advances,
      'schedules-fired': scheduler.fired,
      recovered,
      http: http.load(),
      'rss-mb': Math.round(process.memoryUsage.rss() / 1024 / 1024),
      'abort-listeners': executor.abortListeners,
      'long-polls': runChanges.waiting,
    }
  }

  const scheduler = new Scheduler(ctx)
  const watchers: Watchers[] = [watchSignals(ws, consider)]
  const info: DaemonInfo = {pid: process.pid, url: http.url, 'started-at': startedAt.toISOString(), host: os.hostname(), port: http.port, log: options.logFile ?? null}
  await ws.local.writeDaemonInfo(info)
  const team = ws.store.kind === 'postgres'
  const sweep = {advance: (id: string) => executor.schedule(id), wakeAt: (id: string, at: string | null) => timers.set(id, at), admit: admitWaiting, log}
  // A shared store may hold many finished runs and runs other daemons hold: read neither.
  recovered = team
    ? await sweepOnce(ws, sweep)
    : await scanRuns(ws, (id, a) => {
        timers.set(id, a.wakeAt)
        if (a.advance) executor.schedule(id)
      })
  log('info', 'start-up scan', {...recovered})
  await scheduler.loadAll()
  watchers.push(watchReleases(ws, (slug) => void scheduler.load(slug)))
  // Files have one daemon per workspace, which hears of every change; a shared store has others
  // whose runs may need taking over, and changes this daemon was not told of.
  if (team) {
    watchers.push(startTeamSweep(ws, options.sweepMs ?? sweepInterval(ws), sweep))
    // A run another daemon advances reaches this one's long polls through the change notices
    // every process hears (a signal goes to one daemon only).
    const notices = ws.store.signals.watch((id) => runChanges.notify(id))
    watchers.push({close: async () => notices.close()})
  }
  ready = info
  let resolveStopped!: (s: DaemonStats) => void
  const stopped = new Promise<DaemonStats>((r) => (resolveStopped = r))
  const stop = () =>
    (stopping ??= (async () => {
      log('info', 'stopping')
      scheduler.stop()
      timers.stop()
      await Promise.all(watchers.map((w) => w.close()))
      const closing = http.close()
      const grace = options.graceMs ?? 3000
      // A worker busy computing cannot take the interrupt; past a second grace it is terminated
      // (its runs stay resumable, the lock it held is cleared in workerDied).
      const hard = setTimeout(() => void pool?.stop(), 2 * grace)
      await executor.stop(grace)
      clearTimeout(hard)
      await pool?.stop()
      await closing
      const final = stats()
      await ws.local.removeDaemonInfo(process.pid)
      lock.release()
      await control.close()
      ws.store.signals.mute(false)
      log('info', 'stopped', {advances: final.advances})
      resolveStopped(final)
      return final
    })())
  log('info', 'listening', {url: http.url, pid: process.pid})
  return {info, stats, stopped, stop}
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
