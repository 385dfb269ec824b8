/**
 * What the daemon watches:
 * - the store's signals (SignalStore.consume): a run another process changed (a new run, an
 *   inbox entry, an advance that let go of the run), consumed before the daemon looks at it.
 * - the flows' releases (LocalFiles.watchReleases): a promote or release changes the live
 *   version, and the flow's schedules are reloaded.
 */
import type {Workspace} from '../workspace/workspace.js'

export interface Watchers {
  close(): Promise<void>
}

export function watchSignals(ws: Workspace, onRun: (runId: string) => void): Watchers {
  const w = ws.store.signals.consume(onRun)
  return {close: async () => w.close()}
}

export function watchReleases(ws: Workspace, onFlow: (slug: string) => void): Watchers {
  return ws.local.watchReleases(onFlow)
}
