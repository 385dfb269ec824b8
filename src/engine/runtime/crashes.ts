/**
 * Crash loops: how many times in a row the process advancing a run died while at it, read
 * from the journal. Every advance starts with `run_started`/`run_resumed`; one that ends
 * normally writes `run_parked`, a terminal event, or (stopped on purpose: SIGINT, daemon stop)
 * an `interrupted` log. An advance followed by another start with none of these died: killed,
 * or out of memory. A death after which nothing was recorded extends the streak (the run dies
 * at the same point again); a death after progress (a step finished, a wait answered) starts a
 * new streak, so a long run that is killed now and then never adds up to a crash loop.
 */
import type {JournalEvent} from '../journal/events.js'

/** The log message an advance leaves when its process stops it on purpose. */
export const INTERRUPTED_LOG = 'interrupted: the process stopped; the run is resumable'

const PROGRESS = new Set<JournalEvent['type']>([
  'step_completed',
  'step_failed',
  'step_attempt_failed',
  'wait_opened',
  'wait_completed',
  'sleep_started',
  'run_admitted',
])
const CLEAN_END = new Set<JournalEvent['type']>(['run_parked', 'run_completed', 'run_failed', 'run_cancelled'])

/** The step the journal shows started and not finished last (where an executor was when it died). */
export function openStep(events: readonly JournalEvent[]): string | undefined {
  const open = new Map<string, string>()
  for (const e of events) {
    if (e.type === 'step_started') open.set(e.position, e.step)
    else if (e.type === 'step_completed' || e.type === 'step_failed') open.delete(e.position)
  }
  return [...open.values()].at(-1)
}

export function executorDeaths(events: readonly JournalEvent[]): number {
  let deaths = 0
  let open = false
  let progress = false
  const died = () => {
    deaths = progress ? 1 : deaths + 1
  }
  for (const e of events) {
    if (e.type === 'run_started' || e.type === 'run_resumed') {
      if (open) died()
      open = true
      progress = false
    } else if (CLEAN_END.has(e.type) || (e.type === 'log' && e.step === undefined && e.message === INTERRUPTED_LOG)) {
      open = false
      deaths = 0
    } else if (PROGRESS.has(e.type)) progress = true
  }
  if (open) died()
  return deaths
}
