/**
 * The interpreter's boundary with the runtime. The interpreter is pure: everything with an
 * effect or a clock arrives through FlowHost, as recorded values.
 */
import type {Value} from '../edn/values.js'

export interface FlowHost {
  /** `(flow/input)` */
  input: Value
  /** `(flow/run-id)` */
  runId: string
  /** `(flow/now)`: the run's recorded start time, ISO-8601 UTC. */
  now: string
  /** `(flow/callback-url KEY)` */
  callbackUrl(key: string): string
  /**
   * `(flow/step TYPE ID CONFIG)`: execute or replay a step. `id` already carries any `[i]`
   * suffix added by flow/map and a `#n` suffix when the same id was already called in this
   * run (so ids are unique per run); `position` is a deterministic path of the call (e.g. "3",
   * or "4[2].0" for the first call in item 2 of the flow/map at position 4) used by replay
   * to detect nondeterminism. May throw Suspend (the run parks).
   */
  step(type: string, id: string, config: Value, position: string): Promise<Value>
}

/**
 * Thrown by FlowHost.step when the run must park (a wait or sleep). flow/map lets its other
 * items settle, then rethrows it.
 */
export class Suspend extends Error {
  constructor(readonly reason: string) {
    super(`run suspended: ${reason}`)
    this.name = 'Suspend'
  }
}

export function isSuspend(err: unknown): err is Suspend {
  return err instanceof Suspend
}
