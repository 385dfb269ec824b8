/**
 * What the journal says happened at each step position. On resume the interpreter re-evaluates
 * the flow body; every `flow/step` call is looked up here by its deterministic position, and a
 * recorded result is returned instead of running the step again.
 */
import {BreytaError} from '../errors.js'
import type {JournalEvent} from '../journal/events.js'

type Ev<T extends JournalEvent['type']> = Extract<JournalEvent, {type: T}>

export interface RecordedStep {
  step: string
  stepType: string
  position: string
  /** Highest attempt started (0 when none). */
  lastAttempt: number
  completed?: Ev<'step_completed'>
  failed?: Ev<'step_failed'>
  wait?: Ev<'wait_opened'>
  sleep?: Ev<'sleep_started'>
}

export class ReplayState {
  private readonly byPosition = new Map<string, RecordedStep>()
  /** Wait completions by key; a completion may arrive before its wait opens (fast workers). */
  readonly completions = new Map<string, Ev<'wait_completed'>>()

  constructor(events: JournalEvent[] = []) {
    for (const e of events) this.record(e)
  }

  record(e: JournalEvent): void {
    switch (e.type) {
      case 'step_started': {
        const r = this.entry(e.position, e.step, e.stepType)
        r.lastAttempt = Math.max(r.lastAttempt, e.attempt)
        break
      }
      case 'step_completed':
        this.entry(e.position, e.step, e.stepType).completed = e
        break
      case 'step_failed': {
        const r = this.byPosition.get(e.position)
        if (r) r.failed = e
        break
      }
      case 'wait_opened': {
        const r = this.byPosition.get(e.position)
        if (r) r.wait = e
        break
      }
      case 'sleep_started': {
        const r = this.byPosition.get(e.position)
        if (r) r.sleep = e
        break
      }
      case 'wait_completed':
        if (!this.completions.has(e.key)) this.completions.set(e.key, e)
        break
      default:
        break
    }
  }

  /** Keys of the waits opened and neither completed nor ended. */
  openWaits(): string[] {
    const out: string[] = []
    for (const r of this.byPosition.values()) if (r.wait && !r.completed && !r.failed && !this.completions.has(r.wait.key)) out.push(r.wait.key)
    return out
  }

  private entry(position: string, step: string, stepType: string): RecordedStep {
    let r = this.byPosition.get(position)
    if (!r) {
      r = {step, stepType, position, lastAttempt: 0}
      this.byPosition.set(position, r)
    }
    return r
  }

  /**
   * The record at this position, checked against the call the body makes now. A different
   * step id or type at a recorded position means the definition or the body's logic changed
   * under a running run.
   */
  lookup(position: string, stepType: string, step: string): RecordedStep | undefined {
    const r = this.byPosition.get(position)
    if (r && (r.step !== step || r.stepType !== stepType)) {
      throw new BreytaError(
        'nondeterminism',
        `step at position ${position} was :${r.stepType} "${r.step}" when recorded, but the flow now calls :${stepType} "${step}"`,
        {
          hint: 'The flow body must make the same step calls on replay. Start a new run (`breyta runs retry`) to use the changed definition.',
          details: {position, recorded: {step: r.step, type: r.stepType}, now: {step, type: stepType}},
        },
      )
    }
    return r
  }
}
