/** Shared by waits approve/reject/complete: record the completion, then let the run go on. */
import {completeWait, driveRun, handToDaemon, runView, type RunView, type WaitCompletion, type Workspace} from '../engine/index.js'
import {continueQueued} from './queued.js'

export interface DecisionResult {
  run: string
  key: string
  decision: string | null
  /** Where the run continues: `daemon`, or `cli` when this process advanced it. */
  'continued-in': 'daemon' | 'cli'
  status: RunView['status']
  view: RunView
}

export async function decide(ws: Workspace, runId: string, key: string, completion: WaitCompletion): Promise<DecisionResult> {
  await completeWait(ws, runId, key, completion)
  const daemon = await handToDaemon(ws, runId)
  // With a daemon, it sees the inbox entry and continues the run; without one, this process does.
  const view = daemon ? await runView(ws, runId) : await driveRun(ws, runId, {env: process.env})
  // The run may have ended and freed its flow's slot: start what queued behind it.
  if (!daemon) await continueQueued(ws, view, (t) => process.stderr.write(`${t}\n`))
  return {run: runId, key, decision: completion.decision ?? null, 'continued-in': daemon ? 'daemon' : 'cli', status: view.status, view}
}
