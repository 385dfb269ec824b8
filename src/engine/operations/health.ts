/**
 * What a run's status alone does not say (SPEC §6 `runs show`): `stale` (status running, but no
 * live process holds its lock: the CLI that ran it was killed), `overdue` (a sleep or a wait
 * timeout fell due and no daemon runs to fire it) and, for a queued run, `blocked-by` (the runs
 * holding its slot or ahead of it in line). Lock-free reads only: `runs show` stays cheap.
 */
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import type {RunView} from '../journal/projection.js'

export interface RunHealth {
  stale: boolean
  overdue: boolean
  /** For a queued run: the runs it waits behind (null otherwise). */
  'blocked-by': string[] | null
}

/** `daemonRunning`: a daemon fires due timers itself, so nothing is overdue while it runs. */
export async function runHealth(ws: Workspace, view: RunView, options: {daemonRunning: boolean; now?: number}): Promise<RunHealth> {
  const now = options.now ?? Date.now()
  // started-at: a run handed to a daemon (or about to be driven by its CLI) holds no lease yet.
  const stale = view.status === 'running' && view['started-at'] !== null && (await ws.store.leases.holder(view.id)) === undefined
  const due = (iso: string | null) => iso !== null && Date.parse(iso) <= now
  const overdue =
    !options.daemonRunning &&
    ((view.status === 'sleeping' && due(view['wake-at'])) || (view.status === 'waiting' && view.waits.some((w) => w.status === 'open' && due(w['timeout-at']))))
  return {stale, overdue, 'blocked-by': view.status === 'queued' ? await blockedBy(ws, view) : null}
}

/** The live runs of the queued run's slot group that hold a slot or are ahead of it in line. */
export async function blockedBy(ws: Workspace, view: RunView): Promise<string[]> {
  const entries = (await ws.store.queue.read(view.flow)) ?? []
  const me = entries.find((e) => e.run === view.id)
  const out: string[] = []
  for (const e of entries) {
    if (e.run === view.id || (me !== undefined && e.key !== me.key) || (e.state !== 'admitted' && e.run >= view.id)) continue
    const snap = await ws.store.runs.readSnapshot(e.run)
    if (snap !== undefined && !TERMINAL_STATUSES.includes(snap.status)) out.push(e.run)
  }
  return out.sort()
}
