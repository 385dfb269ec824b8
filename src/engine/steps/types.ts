/**
 * The one interface every step family implements (one file per family, one registry line).
 * A step gets its resolved config and a StepContext, and nothing else: it never imports the
 * store or another step. `:wait` and `:sleep` return a park request instead of blocking.
 */
import {BreytaError} from '../errors.js'
import type {EdnMap, Value} from '../edn/values.js'
import type {RecordedProcess} from './process-group.js'
import type {Connection, KvAccess, ResourceRef} from '../shared/records.js'

// Plain records the store speaks of too live in the leaf shared/records.ts.
export type {Connection, KvAccess, ResourceRef} from '../shared/records.js'

export interface ResourceAccess {
  /** Store bytes under this run; returns the ref map's fields. */
  put(data: Buffer | string, options?: {name?: string; contentType?: string}): Promise<ResourceRef>
  /** Read a res:// URI (any run's); refuses paths outside resources/. */
  get(uri: string): Promise<{data: Buffer; contentType: string; size: number}>
}

export interface StepContext {
  runId: string
  flowSlug: string
  /** The step id as journaled (with any `[i]` suffix from flow/map). */
  stepId: string
  /** 1-based attempt number. */
  attempt: number
  /**
   * `<run-id>/<step-id>` (the step id with its `#n` suffix), the same for every attempt and
   * recovery; http, llm and notify steps send it as `Idempotency-Key`, the attempt as `Breyta-Attempt`.
   */
  idempotencyKey: string
  /** Fires on step timeout or run cancellation; a step must stop its work when it fires. */
  signal: AbortSignal
  /** The directory that contains `.breyta/` (relative paths in configs resolve against it). */
  workspaceRoot: string
  now(): Date
  /** Resolve a secret by name (env BREYTA_SECRET_<NAME> first); the value is registered for redaction. */
  secret(name: string): string
  /** Look up a connection from connections.edn; throws `invalid_input` when missing. */
  connection(name: string): Connection
  resources: ResourceAccess
  kv: KvAccess
  /** URL a remote worker POSTs to, to complete wait KEY of this run. */
  callbackUrl(key: string): string
  /** Render a `:templates` entry with `{{path}}` interpolation. */
  renderTemplate(id: string, data: Value): string
  /** Evaluate a `:functions` entry (by ref) or a code string, purely. */
  callFunction(fn: {ref?: string; code?: string}, input: Value): Promise<Value>
  /** Progress for people (`runs logs`); never put secrets here unredacted. */
  log(message: string): void
  /** The environment a child program starts from: the executing process's, without BREYTA_* variables. */
  inheritedEnv(): Record<string, string>
  /**
   * The program's output as it arrives (chunks, not lines), for people watching live
   * (`runs logs --follow`, the TUI): cut into lines, redacted and kept in the step's log. The
   * step's result is built from its own capture, as before.
   */
  output(stream: 'stdout' | 'stderr', chunk: Buffer | string): void
  /** Journal (synced) the process group a step started, so a later attempt can stop it first. */
  processStarted(p: RecordedProcess): Promise<void>
}

export type ParkRequest =
  | {kind: 'sleep'; until: string}
  | {
      kind: 'wait'
      key: string
      /** ISO time after which the wait times out, if any. */
      timeoutAt?: string
      onTimeout: 'fail' | 'continue'
      defaultValue?: Value
      /** `show`: the approval's :show entries in written order, as label and evaluated value. */
      approval?: {prompt: string; show?: [string, Value][]}
      validation?: {required: string[]}
    }

export type StepOutcome = {kind: 'done'; output: Value; meta?: Record<string, unknown>} | {kind: 'park'; park: ParkRequest}

export interface StepExecutor {
  /** The step type keyword's name, e.g. `http`. */
  readonly type: string
  /**
   * No effects outside the run (e.g. `:function`). Neither its start nor its result waits for a
   * flush of its own: both are written at once and flushed with the next record that must be on
   * disk (run-loop.ts mayRunAheadOfFlush); if the machine dies first, it simply runs again.
   */
  readonly pure?: boolean
  /**
   * Problems with a literal config, found before a run starts (`flows validate`). Called only
   * for configs that are literal maps; return messages like "missing :url".
   */
  check?(config: EdnMap): string[]
  run(config: EdnMap, ctx: StepContext): Promise<StepOutcome>
}

/** A step failure. `retryable: false` skips the remaining `:retry` attempts. */
export class StepError extends BreytaError {
  readonly retryable: boolean
  constructor(message: string, options: {retryable?: boolean; hint?: string; details?: Record<string, unknown>; cause?: unknown} = {}) {
    super('step_failed', message, options)
    this.retryable = options.retryable ?? true
  }
}

export function done(output: Value, meta?: Record<string, unknown>): StepOutcome {
  return meta === undefined ? {kind: 'done', output} : {kind: 'done', output, meta}
}
