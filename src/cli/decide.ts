/** Shared by waits approve/reject/complete: the engine records the completion and the run goes on; this shapes the result. */
import {completeWaitAndContinue, type RunView, type WaitCompletion, type Workspace} from '../engine/index.js'
import {queuedStartNote} from './queued.js'

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
  const {view, 'handed-to': handedTo} = await completeWaitAndContinue(ws, runId, key, completion, {
    env: process.env,
    onQueuedStart: (id, flow) => process.stderr.write(`${queuedStartNote(id, flow)}\n`),
  })
  return {run: runId, key, decision: completion.decision ?? null, 'continued-in': handedTo === 'daemon' ? 'daemon' : 'cli', status: view.status, view}
}
