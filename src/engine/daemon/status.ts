/** Is a daemon serving this workspace? Read from daemon.json and checked against the pid. */
import type {Workspace} from '../workspace/workspace.js'
import {pidAlive} from '../store/fs/lock.js'
import {readJsonFile} from '../store/fs/snapshot.js'

export interface DaemonInfo {
  pid: number
  url: string
  'started-at': string
  host?: string
  port?: number
  log?: string | null
}

/** The running daemon's info, or undefined when none runs (a stale daemon.json is ignored). */
export function runningDaemon(ws: Workspace): DaemonInfo | undefined {
  const info = readJsonFile<DaemonInfo>(ws.layout.daemonJson)
  if (!info || typeof info.pid !== 'number' || !pidAlive(info.pid)) return undefined
  return info
}
