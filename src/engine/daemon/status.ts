/** Is a daemon serving this workspace? Read from daemon.json and checked against the pid. */
import type {Workspace} from '../workspace/workspace.js'
import {pidAlive} from '../shared/pid.js'

export type {DaemonInfo} from '../store/types.js'
import type {DaemonInfo} from '../store/types.js'

/** The running daemon's info, or undefined when none runs (a stale daemon.json is ignored). */
export async function runningDaemon(ws: Workspace): Promise<DaemonInfo | undefined> {
  const info = await ws.local.readDaemonInfo()
  if (!info || typeof info.pid !== 'number' || !pidAlive(info.pid)) return undefined
  return info
}
