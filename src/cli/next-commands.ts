/**
 * The literal commands that move a run on (the envelope's meta.next-commands, and the lines human
 * output prints under a run): decide its open waits, resume it when stale or overdue, watch it
 * when queued or running. An agent can run them as they are.
 */
import {runHealth, runningDaemon, type RunHealth, type RunView, type Workspace} from '../engine/index.js'

export type ShownRun = RunView & RunHealth

/** The run with its health (stale, overdue, blocked-by), as `runs show` and friends return it. */
export async function withHealth(ws: Workspace, view: RunView): Promise<ShownRun> {
  return {...view, ...(await runHealth(ws, view, {daemonRunning: (await runningDaemon(ws)) !== undefined}))}
}

export function nextCommands(view: RunView & Partial<RunHealth>): string[] {
  const id = view.id
  const out: string[] = []
  if (view.stale || view.overdue) out.push(`breyta runs resume ${id}`)
  if (view.status === 'waiting') {
    for (const w of view.waits.filter((x) => x.status === 'open')) {
      if (w.approval) out.push(`breyta waits approve ${id} ${w.key}`, `breyta waits reject ${id} ${w.key} --comment "…"`)
      else out.push(`breyta waits complete ${id} ${w.key} --payload '{…}'`)
    }
  }
  if (!view.stale && (view.status === 'queued' || view.status === 'running' || view.status === 'sleeping' || view.status === 'waiting'))
    out.push(`breyta runs watch ${id}`)
  if (view.status === 'queued') for (const b of view['blocked-by'] ?? []) out.push(`breyta runs show ${b}`)
  if (view.status === 'failed') out.push(`breyta runs show ${id} --steps`)
  return out
}
