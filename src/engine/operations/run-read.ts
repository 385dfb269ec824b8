/** Reading one run as commands and the TUI show it: its view and its events, from the store. */
import type {JournalEvent} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'
import type {Workspace} from '../workspace/workspace.js'

/** The exact view, recomputed from the journal; `run_not_found` with a hint when there is no such run. */
export function runView(ws: Workspace, runId: string): Promise<RunView> {
  return ws.store.runs.readView(runId)
}

/** Every event of the run's journal; `run_not_found` with a hint when there is no such run. */
export async function runEvents(ws: Workspace, runId: string): Promise<JournalEvent[]> {
  await ws.store.runs.assertExists(runId)
  return (await ws.store.journals.read(runId)).events
}
