/**
 * What a run's status alone does not say (SPEC §6 `runs show`): `stale` (status running, but no
 * live process holds its lock: the CLI that ran it was killed), `overdue` (a sleep or a wait
 * timeout fell due and no daemon runs to fire it) and, for a queued run, `blocked-by` (the runs
 * holding its slot or ahead of it in line). Lock-free reads only: `runs show` stays cheap.
 */
import {isLockHeld} from '../store/fs/lock.js'
import {readRunSnapshot} from '../store/fs/run-store.js'
import {readJsonFile} from '../store/fs/snapshot.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import type {RunView} from '../journal/projection.js'
import type {QueueEntry} from '../runtime/concurrency.js'

export interface RunHealth {
  stale: boolean
  overdue: boolean
  /** For a queued run: the runs it waits behind (null otherwise). */
  'blocked-by': string[] | null
}

/** `daemonRunning`: a daemon fires due timers itself, so nothing is overdue while it runs. */
export function runHealth(ws: Workspace, view: RunView, options: {daemonRunning: boolean; now?: number}): RunHealth {
  const now = options.now ?? Date.now()
  // started-at: a run handed to a daemon (or about to be driven by its CLI) holds no lock yet.
  const stale = view.status === 'running' && view['started-at'] !== null && !isLockHeld(ws.layout.runLock(view.id))
  const due = (iso: string | null) => iso !== null && Date.parse(iso) <= now
  const overdue =
    !options.daemonRunning &&
    ((view.status === 'sleeping' && due(view['wake-at'])) || (view.status === 'waiting' && view.waits.some((w) => w.status === 'open' && due(w['timeout-at']))))
  return {stale, overdue, 'blocked-by': view.status === 'queued' ? blockedBy(ws, view) : null}
}

/** The live runs of the queued run's slot group that hold a slot or are ahead of it in line. */
export function blockedBy(ws: Workspace, view: RunView): string[] {
  const entries = readJsonFile<{entries: QueueEntry[]}>(ws.layout.queueIndex(view.flow))?.entries ?? []
  const me = entries.find((e) => e.run === view.id)
  const alive = (id: string) => {
    const snap = readRunSnapshot(ws.layout, id)
    return snap !== undefined && !TERMINAL_STATUSES.includes(snap.status)
  }
  return entries
    .filter((e) => e.run !== view.id && (me === undefined || e.key === me.key) && (e.state === 'admitted' || e.run < view.id) && alive(e.run))
    .map((e) => e.run)
    .sort()
}
