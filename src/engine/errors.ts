/**
 * One error type for everything breyta expects to go wrong. Errors are identified by
 * `code` (never by instanceof) because they cross process boundaries and the journal.
 */

/** The SPEC §6 error codes and the exit code each one maps to. */
export const ERROR_EXIT_CODES = {
  workspace_not_found: 1,
  invalid_input: 2,
  invalid_flow: 2,
  unknown_command: 2,
  flow_not_found: 3,
  run_not_found: 3,
  wait_not_found: 3,
  version_not_found: 3,
  resource_not_found: 3,
  no_live_version: 3,
  wait_already_completed: 4,
  run_not_active: 4,
  daemon_already_running: 4,
  run_failed: 5,
  run_cancelled: 5,
  wait_timed_out: 6,
  daemon_not_running: 1,
  step_failed: 1,
  nondeterminism: 1,
  internal: 1,
} as const

export type ErrorCode = keyof typeof ERROR_EXIT_CODES

/** A problem found while reading or validating a flow; line/column are 1-based. */
export interface Problem {
  path: string
  message: string
  line?: number
  column?: number
  file?: string
}

export interface ErrorJson {
  code: ErrorCode
  message: string
  hint?: string
  details?: Record<string, unknown>
}

export class BreytaError extends Error {
  readonly code: ErrorCode
  readonly hint?: string
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: {hint?: string; details?: Record<string, unknown>; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'BreytaError'
    this.code = code
    this.hint = options.hint
    this.details = options.details
  }

  get exitCode(): number {
    return exitCodeFor(this.code)
  }

  toJSON(): ErrorJson {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : {hint: this.hint}),
      ...(this.details === undefined ? {} : {details: this.details}),
    }
  }
}

export function exitCodeFor(code: string): number {
  return (ERROR_EXIT_CODES as Record<string, number>)[code] ?? 1
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERROR_EXIT_CODES
}

/** True for anything that carries a breyta error code, including errors revived from JSON. */
export function isBreytaError(err: unknown): err is BreytaError {
  return typeof err === 'object' && err !== null && isErrorCode((err as {code?: unknown}).code) && typeof (err as {message?: unknown}).message === 'string'
}

/** Turn anything thrown into a BreytaError; unknown failures become `internal`. */
export function toBreytaError(err: unknown): BreytaError {
  if (err instanceof BreytaError) return err
  if (isBreytaError(err)) {
    const e = err as unknown as ErrorJson
    return new BreytaError(e.code, e.message, {hint: e.hint, details: e.details})
  }
  const message = err instanceof Error ? err.message : String(err)
  return new BreytaError('internal', message, {cause: err, hint: 'This is a bug in breyta; rerun with DEBUG=breyta for a stack trace.'})
}

/** Thrown for a flow that cannot be read or validated; carries every problem at once. */
export function invalidFlow(problems: Problem[], file?: string): BreytaError {
  const first = problems[0]
  const where = first?.line === undefined ? '' : ` at ${first.line}:${first.column ?? 1}`
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
  return new BreytaError('invalid_flow', `${file ? file + ': ' : ''}${first ? (first.path ? first.path + ': ' : '') + first.message + where : 'invalid flow'}${more}`, {
    hint: 'Fix the problems listed in details.problems, then run `breyta flows validate`.',
    details: {problems},
  })
}
