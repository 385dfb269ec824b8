/** Is a daemon serving this workspace? Read from daemon.json and checked against the pid. */
import type {Workspace} from '../workspace/workspace.js'
import {readJsonFile} from '../store/fs/snapshot.js'

export interface DaemonInfo {
  pid: number
  url: string
  'started-at': string
  host?: string
  port?: number
  log?: string | null
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The running daemon's info, or undefined when none runs (a stale daemon.json is ignored). */
export function runningDaemon(ws: Workspace): DaemonInfo | undefined {
  const info = readJsonFile<DaemonInfo>(ws.layout.daemonJson)
  if (!info || typeof info.pid !== 'number' || !alive(info.pid)) return undefined
  return info
}
