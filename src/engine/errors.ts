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
  storage_error: 1,
  journal_corrupt: 1,
  resource_exhausted: 1,
  run_crashed: 1,
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

/** errno codes that mean the disk cannot take the write: full, read-only, or not ours. */
const STORAGE_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM'])

export function isStorageErrno(err: unknown): boolean {
  return typeof err === 'object' && err !== null && STORAGE_ERRNOS.has((err as {code?: unknown}).code as string)
}

/** A write the disk refused; `runId` names the run to resume once there is room again. */
export function storageError(err: unknown, runId?: string): BreytaError {
  if (isBreytaError(err) && (err as {code: string}).code === 'storage_error') {
    const cause = (err as Error).cause
    if (runId === undefined || !isStorageErrno(cause)) return toBreytaError(err)
    err = cause
  }
  const e = err as NodeJS.ErrnoException
  const what =
    e.code === 'EROFS' ? 'the file system is read-only' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : 'no space left on the device'
  const resume = runId ? `\`breyta runs resume ${runId}\`` : '`breyta runs resume RUN` for any run it stopped'
  const fix = e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM' ? 'Make .breyta writable again' : 'Free space'
  return new BreytaError('storage_error', `cannot write ${e.path ?? 'to the workspace'}: ${what} (${e.code})`, {
    cause: err,
    hint: `${fix}, then ${resume}; the run stays resumable.`,
    details: {errno: e.code, ...(e.path ? {path: e.path} : {}), ...(runId ? {run: runId} : {})},
  })
}

/** Turn anything thrown into a BreytaError; unknown failures become `internal`. */
export function toBreytaError(err: unknown): BreytaError {
  if (err instanceof BreytaError) return err
  if (isBreytaError(err)) {
    const e = err as unknown as ErrorJson
    return new BreytaError(e.code, e.message, {hint: e.hint, details: e.details})
  }
  if (isStorageErrno(err)) return storageError(err)
  const message = err instanceof Error ? err.message : String(err)
  return new BreytaError('internal', message, {cause: err, hint: 'This is a bug in breyta; rerun with DEBUG=breyta for a stack trace.'})
}

/** Thrown for a flow that cannot be read or validated; carries every problem at once. */
export function invalidFlow(problems: Problem[], file?: string): BreytaError {
  const first = problems[0]
  const where = first?.line === undefined ? '' : ` at ${first.line}:${first.column ?? 1}`
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
  return new BreytaError(
    'invalid_flow',
    `${file ? file + ': ' : ''}${first ? (first.path ? first.path + ': ' : '') + first.message + where : 'invalid flow'}${more}`,
    {
      hint: 'Fix the problems listed in details.problems, then run `breyta flows validate`.',
      details: {problems},
    },
  )
}
