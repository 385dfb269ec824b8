/**
 * Without a daemon nobody else starts a queued run: the CLI that ends a run of the flow (or
 * finds the flow's slot free) admits the runs waiting in line and executes them, as the daemon
 * would. This is what makes a queued run whose starter died (or returned at once) move on.
 */
import {admitQueued, driveRun, probeDaemon, TERMINAL_STATUSES, type RunView, type Workspace} from '../engine/index.js'

export async function continueQueued(ws: Workspace, ended: RunView, note: (text: string) => void): Promise<void> {
  if (!TERMINAL_STATUSES.includes(ended.status) || (await probeDaemon(ws))) return
  for (const id of await admitQueued(ws, ended.flow)) {
    note(`starting queued run ${id} of ${ended.flow} (its slot is free)`)
    const view = await driveRun(ws, id, {env: process.env})
    await continueQueued(ws, view, note)
  }
}
