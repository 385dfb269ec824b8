/**
 * Flow code runs on the engine's event loop, so a loop that never reaches a step would block
 * the CLI (or the daemon, and every run in it) forever. Every call and loop iteration ticks;
 * every 16,384 ticks the time since the evaluation began or the last step returned is
 * checked, and past the budget the run fails naming the form it was in. Time spent inside
 * steps does not count: only computation between them.
 */
import type {Ctx, RunState} from './env.js'
import {EvalError} from './eval-error.js'

/** How long flow code may compute between two steps (or in one :function step). */
export const COMPUTE_BUDGET_MS = 30_000

const CHECK_EVERY = 0x3fff

export function tick(ctx: Ctx): void {
  const run = ctx.run
  if ((++run.ticks & CHECK_EVERY) !== 0) return
  const spent = performance.now() - run.since
  if (spent > run.budgetMs) {
    throw new EvalError(
      `flow code computed for ${Math.round(spent / 1000)} s without reaching a step (the limit is ${Math.round(run.budgetMs / 1000)} s): an endless loop? Heavy work belongs in an :exec step`,
      undefined,
      {
        code: 'resource_exhausted',
        hint: 'Fix the loop, move the work into an :exec step, or raise config.edn :limits :compute-ms; then `breyta runs retry RUN`.',
      },
    )
  }
}

/** A step returned: the computation that follows gets a fresh budget. */
export function stepReturned(run: RunState): void {
  run.since = performance.now()
}
