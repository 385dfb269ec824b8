/** What the daemon's HTTP handlers and sub-services share. */
import type {RunView} from '../journal/projection.js'
import type {RunChanges} from './run-changes.js'
import type {CompleteOutcome, CompleteRequest, StartRequest} from './worker-pool.js'
import type {Workspace} from '../workspace/workspace.js'

export type LogLevel = 'info' | 'warn' | 'error' | 'debug'
export type DaemonLog = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void

export interface DaemonContext {
  ws: Workspace
  /** Environment for secrets (BREYTA_SECRET_<NAME>) and steps. */
  env: NodeJS.ProcessEnv
  log: DaemonLog
  /** Advance this run soon (it was created or a wait of it was completed). */
  schedule(runId: string): void
  /**
   * Create a webhook's run in a worker, which advances it at once (worker-pool.ts startIn); the
   * run once it exists. Undefined (as the method, or as the answer while stopping): create it
   * here and schedule it.
   */
  startInWorker?(runId: string, request: StartRequest): Promise<RunView | undefined>
  /**
   * Complete a wait in a worker's advance of the run (worker-pool.ts completeIn): accepted once
   * the completion is on disk, or refused. 'inbox' or undefined: post it to the inbox and
   * schedule the run (the run is in flight here already, is not parked at that wait, or another
   * completion came first).
   */
  completeInWorker?(runId: string, request: CompleteRequest): Promise<CompleteOutcome | undefined>
  /** Change notices per run (long polls of GET /runs/RUN wait on them). */
  runChanges: RunChanges
  /**
   * Whether this daemon is advancing the run now: it exists and is running, and the advance's
   * end notifies runChanges with the run's view (and once more, without one, however it ended).
   */
  advancing(runId: string): boolean
}
