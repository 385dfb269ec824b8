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
import fs from 'node:fs'
import {readRunSnapshot, readRunView, listRunIds} from '../store/fs/run-store.js'
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

export function hasInboxCompletion(ws: Workspace, view: RunView): boolean {
  for (const w of view.waits) if (w.status === 'open' && fs.existsSync(ws.layout.runInboxEntry(view.id, w.key))) return true
  return false
}

export function assess(ws: Workspace, view: RunView, now = Date.now()): Assessment {
  const base = {flow: view.flow, wakeAt: null, ended: false, advance: false}
  if (TERMINAL_STATUSES.includes(view.status)) return {...base, ended: true}
  if (view.status === 'queued' || view.status === 'running') return {...base, advance: true}
  const wakeAt = view['wake-at']
  const due = wakeAt !== null && Date.parse(wakeAt) <= now
  if (view.status === 'waiting') return {...base, wakeAt, advance: due || hasInboxCompletion(ws, view)}
  return {...base, wakeAt, advance: due}
}

/** The run's snapshot, else its journal (a run created by a process that died at once). */
export function readView(ws: Workspace, runId: string): RunView | undefined {
  try {
    return readRunSnapshot(ws.layout, runId) ?? readRunView(ws.layout, runId)
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
export function scanRuns(ws: Workspace, apply: (runId: string, a: Assessment) => void): ScanResult {
  const out: ScanResult = {runs: 0, advanced: 0, timers: 0, 'by-status': {}}
  for (const id of listRunIds(ws.layout)) {
    const view = readView(ws, id)
    if (!view) continue
    out.runs++
    out['by-status'][view.status] = (out['by-status'][view.status] ?? 0) + 1
    const a = assess(ws, view)
    if (a.advance) out.advanced++
    if (a.wakeAt) out.timers++
    apply(id, a)
  }
  return out
}

/** Counts of runs by status, from snapshots (for `daemon status`). */
export function countRuns(ws: Workspace): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const id of listRunIds(ws.layout)) {
    const v = readRunSnapshot(ws.layout, id)
    if (v) counts[v.status] = (counts[v.status] ?? 0) + 1
  }
  return counts
}
