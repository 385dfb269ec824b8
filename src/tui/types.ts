/**
 * The data the TUI works on, and the one interface through which it gets it.
 *
 * Shapes are the plain JSON of `runs show --json` (SPEC §6): kebab-case keys, keywords as
 * strings, ISO-8601 UTC timestamps. The TUI never sees EDN values or engine internals, so
 * the components can be tested with fixtures and the engine can change underneath.
 */

/** SPEC §5 run statuses. */
export type RunStatus = 'queued' | 'running' | 'waiting' | 'sleeping' | 'completed' | 'failed' | 'cancelled'

/** Step statuses as the journal derives them; `string` keeps unknown future ones renderable. */
export type StepStatus = 'running' | 'completed' | 'failed' | 'waiting' | 'sleeping' | 'cancelled' | (string & {})

/** Wait statuses. Only `open` waits can be approved, rejected or completed. */
export type WaitStatus = 'open' | 'completed' | 'timed-out' | 'cancelled' | (string & {})

/** JSON-compatible value (the output of the engine's EDN → JSON conversion). */
export type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

/** The SPEC §6 error shape; a failed run's error also names the step. */
export interface ErrorInfo {
  code: string
  message: string
  hint?: string
  details?: unknown
  /** The step that failed, when a run failed because of one (the engine's RecordedError). */
  step?: string
  'step-id'?: string
}

/** An open approval wait, as shown on a list row. */
export interface ApprovalInfo {
  key: string
  /** The wait's `:approval {:prompt …}`. */
  prompt: string
}

/** One row of the run list: cheap to produce from run.json without reading the journal. */
export interface RunSummary {
  id: string
  flow: string
  status: RunStatus
  target: 'draft' | 'live'
  version: number | null
  'created-at': string
  'started-at': string | null
  'finished-at': string | null
  /** The step running or parked right now (the last started, unfinished step), if any. */
  'current-step': string | null
  /** Open waits that carry an `:approval`; the list sorts runs with any of these first. */
  'waiting-approvals': ApprovalInfo[]
}

export interface StepInfo {
  id: string
  type: string
  status: StepStatus
  attempts: number
  'started-at': string | null
  'finished-at': string | null
  input: Json
  output: Json
  error: ErrorInfo | null
  /** A running `:exec`/`:ssh` step's newest output lines, as they arrive (not in `runs show --json`). */
  tail?: {stream: 'stdout' | 'stderr'; line: string}[]
}

export interface WaitInfo {
  key: string
  status: WaitStatus
  /** The step that opened the wait. */
  step?: string
  /** Present when the wait is a human approval: its prompt and the `:show` context. */
  approval: {prompt: string; show?: Record<string, Json>} | null
  'callback-url': string | null
  'timeout-at': string | null
}

/** Exactly the `runs show RUN --json` data (SPEC §6). */
export interface RunDetail {
  id: string
  flow: string
  target: 'draft' | 'live'
  version: number | null
  sha256: string | null
  status: RunStatus
  input: Json
  output: Json
  error: ErrorInfo | null
  'created-at': string
  'started-at': string | null
  'finished-at': string | null
  steps: StepInfo[]
  waits: WaitInfo[]
}

/**
 * Everything the TUI needs from the engine. The lead implements it over `src/engine/index.ts`;
 * tests use an in-memory one. Every method may throw an object with `code` and `message`
 * (a BreytaError); the TUI shows it in the status line and keeps running.
 */
export interface TuiSource {
  /**
   * Newest first, at most `limit` runs. `filter` is a case-insensitive substring matched
   * against the flow slug or the status (see `matchesFilter`). Implementations should read
   * only what the page needs (ULID order makes that a directory listing plus `limit` reads).
   */
  listRuns(query: {limit: number; filter?: string}): Promise<{items: RunSummary[]}>
  /** Throws `run_not_found` for an unknown id. */
  getRun(id: string): Promise<RunDetail>
  /** Records `{:decision :approved :by … :comment …}`; `wait_already_completed` if decided. */
  approve(runId: string, key: string, decision: {by: string; comment?: string}): Promise<void>
  reject(runId: string, key: string, decision: {by: string; comment: string}): Promise<void>
  /** `run_not_active` for a run that already finished. */
  cancel(runId: string): Promise<void>
  /**
   * Calls `onChange` whenever any run may have changed (another process wrote the
   * workspace). Bursts are fine: the TUI debounces. Returns the unsubscribe function.
   */
  subscribe(onChange: () => void): () => void
}

/** A run is finished: nothing can approve or cancel it any more. */
export function isTerminal(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}

/** Open waits that ask a person for a decision. */
export function openApprovals(run: RunDetail): WaitInfo[] {
  return run.waits.filter((w) => w.status === 'open' && w.approval !== null)
}

/**
 * The filter `/` applies, case-insensitive: each word must match; `status:S` and `flow:F`
 * match only that field (status exactly, flow as a substring), a bare word either one.
 * E.g. `status:waiting deploy`.
 */
export function matchesFilter(run: Pick<RunSummary, 'flow' | 'status'>, filter: string | undefined): boolean {
  const flow = run.flow.toLowerCase()
  const status = run.status.toLowerCase()
  return (filter ?? '')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => {
      if (word.startsWith('status:')) return status === word.slice(7)
      if (word.startsWith('flow:')) return flow.includes(word.slice(5))
      return flow.includes(word) || status.includes(word)
    })
}

/** Runs with an open approval first (oldest request first: it has waited longest), then newest first. */
export function orderRuns(runs: readonly RunSummary[]): RunSummary[] {
  const needs = (r: RunSummary) => r['waiting-approvals'].length > 0
  const byCreated = (a: RunSummary, b: RunSummary) => (a['created-at'] < b['created-at'] ? 1 : a['created-at'] > b['created-at'] ? -1 : 0)
  return [...runs.filter(needs).sort((a, b) => -byCreated(a, b)), ...runs.filter((r) => !needs(r)).sort(byCreated)]
}
