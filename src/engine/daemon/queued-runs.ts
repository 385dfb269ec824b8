/**
 * Without a daemon nobody else starts a queued run: the process that ends a run of a flow (the
 * CLI after `flows run`/`waits approve`, the TUI after a decision) admits the runs waiting in
 * line behind it and executes them, as the daemon would. This is what makes a queued run whose
 * starter died (or returned at once) move on. One implementation for every such process.
 */
import {admitQueued} from '../runtime/concurrency.js'
import type {RunView} from '../journal/projection.js'
import {driveRun} from '../runtime/runs.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {probeDaemon} from './presence.js'

export interface ContinueQueuedOptions {
  /** Told before each queued run starts here (the CLI prints a note, the TUI tracks it). */
  onStart?: (runId: string, flow: string) => void
  /** The environment the started runs' steps see. */
  env?: NodeJS.ProcessEnv
}

/**
 * When `ended` has ended and no daemon answers, start the runs of its flow that now have a slot,
 * and in turn what queued behind each of them. Returns the ids of the runs started here.
 */
export async function continueQueuedRuns(ws: Workspace, ended: RunView, options: ContinueQueuedOptions = {}): Promise<string[]> {
  if (!TERMINAL_STATUSES.includes(ended.status) || (await probeDaemon(ws))) return []
  const started: string[] = []
  for (const id of await admitQueued(ws, ended.flow)) {
    options.onStart?.(id, ended.flow)
    started.push(id)
    const view = await driveRun(ws, id, {env: options.env ?? process.env})
    started.push(...(await continueQueuedRuns(ws, view, options)))
  }
  return started
}
