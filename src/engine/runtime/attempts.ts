/** Retry policy, backoff and per-attempt timeouts for one step. */
import {field, type EdnMap, type Value} from '../edn/values.js'
import {BreytaError, toBreytaError} from '../errors.js'
import {parseDuration} from '../flow/duration.js'
import type {RecordedError} from '../journal/events.js'
import {StepError} from '../steps/types.js'

export interface RetryPolicy {
  maxAttempts: number
  backoffMs: number
  factor: number
}

export function retryPolicy(config: EdnMap): RetryPolicy {
  const retry = field(config, 'retry')
  const max = field(retry, 'max-attempts')
  const backoff = field(retry, 'backoff')
  const factor = field(retry, 'factor')
  return {
    maxAttempts: typeof max === 'number' && max >= 1 ? Math.floor(max) : typeof max === 'bigint' ? Number(max) : 1,
    backoffMs: backoff === undefined || backoff === null ? 1000 : parseDuration(backoff),
    factor: typeof factor === 'number' && factor > 0 ? factor : 2,
  }
}

export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  return Math.round(policy.backoffMs * policy.factor ** (failedAttempt - 1))
}

export type AttemptError = RecordedError & {retryable: boolean}

/** What follows a failed attempt: another after a backoff, or the step's failure. */
export type AttemptVerdict = {retry: true; error: AttemptError; retryInMs: number} | {retry: false; error: AttemptError}

export function afterFailedAttempt(policy: RetryPolicy, error: AttemptError, attempt: number): AttemptVerdict {
  if (error.retryable && attempt < policy.maxAttempts) return {retry: true, error, retryInMs: backoffDelay(policy, attempt)}
  if (policy.maxAttempts > 1 && attempt >= policy.maxAttempts) return {retry: false, error: exhausted(error, attempt, policy.maxAttempts)}
  return {retry: false, error}
}

/** The last of several attempts failed: say how many ran, instead of "add :retry". */
function exhausted(error: AttemptError, attempts: number, max: number): AttemptError {
  return {
    ...error,
    message: `${error.message} (all ${attempts} attempts failed)`,
    hint: `All ${attempts} attempts (:retry {:max-attempts ${max}}) failed with this error; fix the cause${error.hint ? ` (${error.hint.replace(/\.$/, '')})` : ''}, then \`breyta runs retry RUN --from-step ${error.step}\` reuses the steps before it.`,
    details: {...(error.details ?? {}), attempts},
  }
}

export function stepTimeoutMs(config: EdnMap): number | undefined {
  const t: Value | undefined = field(config, 'timeout')
  return t === undefined || t === null ? undefined : parseDuration(t)
}

/** Raised inside a step when its timeout fires. */
export class StepTimeout extends StepError {
  constructor(_stepId: string, ms: number) {
    super(`timed out after ${ms} ms`, {hint: "Raise the step's :timeout or make the work faster.", details: {'timeout-ms': ms}})
  }
}

/** Raised when the run was cancelled while a step ran. */
export class RunCancelled extends BreytaError {
  constructor(reason = 'cancelled') {
    super('run_cancelled', `run ${reason}`)
  }
}

/** Run `work` with an abort signal that fires on timeout or outer abort; never hangs on a step that ignores it. */
export async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, options: {timeoutMs?: number; outer: AbortSignal; stepId: string}): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let onOuter: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const err = new StepTimeout(options.stepId, options.timeoutMs!)
        controller.abort(err)
        reject(err)
      }, options.timeoutMs)
    }
    onOuter = () => {
      const err = new RunCancelled()
      controller.abort(err)
      reject(err)
    }
    if (options.outer.aborted) onOuter()
    else options.outer.addEventListener('abort', onOuter, {once: true})
  })
  aborted.catch(() => {})
  try {
    return await Promise.race([work(controller.signal), aborted])
  } finally {
    if (timer) clearTimeout(timer)
    if (onOuter) options.outer.removeEventListener('abort', onOuter)
  }
}

export function recordError(err: unknown, step: string, attempt: number): AttemptError {
  const e = toBreytaError(err)
  const retryable = err instanceof StepError ? err.retryable : e.code === 'internal' || e.code === 'step_failed'
  // Something a step family did not foresee: most often its config (inputs built from nil), so
  // the hint points there first, not at breyta.
  const hint =
    e.code === 'internal'
      ? `The step threw an unexpected error; check its input with \`breyta runs show RUN --steps\`. If the input is right, report it as a bug (DEBUG=breyta prints a stack trace).`
      : e.hint
  return {
    code: e.code === 'internal' ? 'step_failed' : e.code,
    message: e.message,
    ...(hint === undefined ? {} : {hint}),
    ...(e.details === undefined ? {} : {details: e.details}),
    step,
    attempt,
    retryable,
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled())
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(new RunCancelled())
    }
    signal.addEventListener('abort', onAbort, {once: true})
  })
}
