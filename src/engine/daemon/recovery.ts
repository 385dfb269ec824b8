/**
 * Deciding what a run needs from the daemon, from its cheap snapshot (run.json) alone:
 * - queued / running: advance it. A `running` run whose lock owner is dead (kill -9 of the
 *   daemon or a CLI) is recovered this way: advanceRun takes over the stale lock and replays.
 *   One whose owner is alive stays with that owner (advanceRun reports `locked`).
 * - waiting: advance it if an inbox entry completes one of its open waits (written while no
 *   daemon looked) or its timeout is due; otherwise only remember its wake time.
 * - sleeping: remember its wake time; advance it when due.
 * - completed / failed / cancelled: nothing, but its slot may let a queued run in.
 * The start-up scan applies this to every run, keeping nothing but the timer index.
 */
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'
import type {Workspace} from '../workspace/workspace.js'

export interface Assessment {
  advance: boolean
  /** ISO time to wake the run, or null to forget it. */
  wakeAt: string | null
  ended: boolean
  flow: string
}

export async function hasInboxCompletion(ws: Workspace, view: RunView): Promise<boolean> {
  for (const w of view.waits) if (w.status === 'open' && (await ws.store.inbox.has(view.id, w.key))) return true
  return false
}

export async function assess(ws: Workspace, view: RunView, now = Date.now()): Promise<Assessment> {
  const base = {flow: view.flow, wakeAt: null, ended: false, advance: false}
  if (TERMINAL_STATUSES.includes(view.status)) return {...base, ended: true}
  if (view.status === 'queued' || view.status === 'running') return {...base, advance: true}
  const wakeAt = view['wake-at']
  const due = wakeAt !== null && Date.parse(wakeAt) <= now
  if (view.status === 'waiting') return {...base, wakeAt, advance: due || (await hasInboxCompletion(ws, view))}
  return {...base, wakeAt, advance: due}
}

/** The run's snapshot, else its journal (a run created by a process that died at once). */
export async function readView(ws: Workspace, runId: string): Promise<RunView | undefined> {
  try {
    return (await ws.store.runs.readSnapshot(runId)) ?? (await ws.store.runs.readView(runId))
  } catch {
    return undefined
  }
}

export interface ScanResult {
  runs: number
  advanced: number
  timers: number
  'by-status': Record<string, number>
}

/** The start-up scan: every run once, newest first; only the verdict is kept. */
export async function scanRuns(ws: Workspace, apply: (runId: string, a: Assessment) => void): Promise<ScanResult> {
  const out: ScanResult = {runs: 0, advanced: 0, timers: 0, 'by-status': {}}
  for (const id of await ws.store.runs.listIds()) {
    const view = await readView(ws, id)
    if (!view) continue
    out.runs++
    out['by-status'][view.status] = (out['by-status'][view.status] ?? 0) + 1
    const a = await assess(ws, view)
    if (a.advance) out.advanced++
    if (a.wakeAt) out.timers++
    apply(id, a)
  }
  return out
}

/** Counts of runs by status, from snapshots (for `daemon status`). */
export async function countRuns(ws: Workspace): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const id of await ws.store.runs.listIds()) {
    const v = await ws.store.runs.readSnapshot(id)
    if (v) counts[v.status] = (counts[v.status] ?? 0) + 1
  }
  return counts
}
