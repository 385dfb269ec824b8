/** What the daemon's HTTP handlers and sub-services share. */
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
}
