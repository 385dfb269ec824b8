/** The CLI's notes for the queued runs it starts after a run ended (the engine does the starting). */
import {continueQueuedRuns, type RunView, type Workspace} from '../engine/index.js'

export async function continueQueued(ws: Workspace, ended: RunView, note: (text: string) => void): Promise<void> {
  await continueQueuedRuns(ws, ended, {env: process.env, onStart: (id, flow) => note(`starting queued run ${id} of ${flow} (its slot is free)`)})
}
