/**
 * How a command that may wait on a run ends: with --wait, a run that ended failed or cancelled
 * is an error (exit 5) carrying the run, and a deadline that passed while the run goes on is
 * `wait_timed_out` (exit 6): the deadline is the result, not a silent `waiting`.
 */
import {BreytaError, TERMINAL_STATUSES, type RunView} from '../engine/index.js'
import {flagDuration} from './durations.js'
import {nextCommands} from './next-commands.js'

/** --timeout as milliseconds; only with --wait, and only a positive duration. */
export function waitTimeoutMs(flags: {wait?: boolean; timeout?: string}): number | undefined {
  if (flags.timeout === undefined) return undefined
  if (!flags.wait) {
    throw new BreytaError('invalid_input', '--timeout only applies with --wait', {hint: 'Add --wait (e.g. `--wait --timeout 5m`), or drop --timeout.'})
  }
  return flagDuration(flags.timeout, '--timeout')
}

export interface Waited {
  wait?: boolean
  timeout?: string
  /** Ctrl-C stopped the waiting: not a deadline. */
  aborted?: boolean
}

export function runOutcome(view: RunView, w: Waited): RunView {
  if (!w.wait) return view
  if (view.status === 'failed') {
    throw new BreytaError('run_failed', `run ${view.id} failed: ${view.error?.message ?? 'unknown error'}`, {
      hint: view.error?.hint ?? `Inspect it with \`breyta runs show ${view.id} --steps\`; retry with \`breyta runs retry ${view.id}\`.`,
      details: {run: view.id, step: view.error?.step ?? null, error: view.error, view},
    })
  }
  if (view.status === 'cancelled') {
    throw new BreytaError('run_cancelled', `run ${view.id} was cancelled`, {
      hint: `Start it again with \`breyta runs retry ${view.id}\`.`,
      details: {run: view.id, view},
    })
  }
  if (!TERMINAL_STATUSES.includes(view.status) && w.timeout !== undefined && !w.aborted) {
    throw new BreytaError('wait_timed_out', `stopped waiting for run ${view.id} after ${w.timeout}; it is ${view.status} and goes on`, {
      hint: `Keep waiting with \`breyta runs watch ${view.id}\` (or \`breyta runs resume ${view.id} --wait\` without a daemon); see it with \`breyta runs show ${view.id}\`.`,
      details: {run: view, 'next-commands': nextCommands(view)},
    })
  }
  return view
}
