/** The CLI's notes for the queued runs it starts after a run ended (the engine does the starting). */
import {continueQueuedRuns, type RunView, type Workspace} from '../engine/index.js'

/** What the CLI says before it starts a queued run whose slot a run it ended freed. */
export function queuedStartNote(runId: string, flow: string): string {
  return `starting queued run ${runId} of ${flow} (its slot is free)`
}

export async function continueQueued(ws: Workspace, ended: RunView, note: (text: string) => void): Promise<void> {
  await continueQueuedRuns(ws, ended, {env: process.env, onStart: (id, flow) => note(queuedStartNote(id, flow))})
}
