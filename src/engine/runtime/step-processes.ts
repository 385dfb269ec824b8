/**
 * At most one copy of a step at a time, across crashes (SPEC §5). `:exec` journals each
 * attempt's process group (`step_process`); before another attempt of that step starts (resume,
 * daemon recovery, retry) and when a run whose owner died is cancelled, a recorded group that
 * still runs is stopped, TERM then KILL, and `step_process_stopped` says so.
 */
import {groupAlive, KILL_GRACE_MS, stopGroup} from '../steps/process-group.js'
import type {JournalEvent, NewJournalEvent} from '../journal/events.js'

type StepProcess = Extract<JournalEvent, {type: 'step_process'}>

/** Recorded groups not yet stopped, of one position or of every step that has not finished. */
export function recordedProcesses(events: readonly JournalEvent[], position?: string): StepProcess[] {
  const stopped = new Set<string>()
  const finished = new Set<string>()
  const procs: StepProcess[] = []
  for (const e of events) {
    if (e.type === 'step_process') procs.push(e)
    else if (e.type === 'step_process_stopped') stopped.add(`${e.position} ${e.pgid} ${e.attempt}`)
    else if (e.type === 'step_completed' || e.type === 'step_failed') finished.add(e.position)
  }
  return procs.filter(
    (p) => !stopped.has(`${p.position} ${p.pgid} ${p.attempt}`) && (position === undefined ? !finished.has(p.position) : p.position === position),
  )
}

/** Stop those still alive; the events to journal, one per group stopped. */
export async function stopRecordedProcesses(procs: readonly StepProcess[], reason: string, graceMs = KILL_GRACE_MS): Promise<NewJournalEvent[]> {
  const out: NewJournalEvent[] = []
  for (const p of procs) {
    if (!groupAlive(p)) continue
    const signal = await stopGroup(p, graceMs)
    if (signal !== null)
      out.push({type: 'step_process_stopped', step: p.step, position: p.position, attempt: p.attempt, pid: p.pid, pgid: p.pgid, signal, reason})
  }
  return out
}
