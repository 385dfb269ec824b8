/** With --wait, a run that ended failed or cancelled is an error (exit 5) carrying the run. */
import {BreytaError, type RunView} from '../engine/index.js'

export function runOutcome(view: RunView, waited: boolean): RunView {
  if (!waited) return view
  if (view.status === 'failed') {
    throw new BreytaError('run_failed', `run ${view.id} failed: ${view.error?.message ?? 'unknown error'}`, {
      hint: view.error?.hint ?? `Inspect it with \`breyta runs show ${view.id} --steps\`; retry with \`breyta runs retry ${view.id}\`.`,
      details: {run: view.id, step: view.error?.step ?? null, error: view.error, view},
    })
  }
  if (view.status === 'cancelled') {
    throw new BreytaError('run_cancelled', `run ${view.id} was cancelled`, {hint: `Start it again with \`breyta runs retry ${view.id}\`.`, details: {run: view.id, view}})
  }
  return view
}
