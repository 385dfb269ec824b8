/** What the daemon's HTTP handlers and sub-services share. */
import type {RunChanges} from './run-changes.js'
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
  /** Change notices per run (long polls of GET /runs/RUN wait on them). */
  runChanges: RunChanges
}
