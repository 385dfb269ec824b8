/**
 * Lexical environments and the per-evaluation context.
 *
 * A `Ctx` is dynamic (it follows calls, not closures): it carries the host and the current
 * "fiber", the sequence of step calls that positions are counted in. The top level is one
 * fiber; each flow/map item runs in a child fiber, so positions never depend on timing.
 */
import type {FlowDefinition} from '../flow/types.js'
import type {Sym, Value} from '../edn/values.js'
import type {FlowHost} from './types.js'

export class Env {
  readonly vars = new Map<Sym, Value>()
  constructor(readonly parent: Env | null) {}

  /** The bound value, or undefined when `s` is not bound here or in a parent. */
  lookup(s: Sym): Value | undefined {
    for (let e: Env | null = this; e !== null; e = e.parent) {
      const v = e.vars.get(s)
      if (v !== undefined || e.vars.has(s)) return v
    }
    return undefined
  }
}

export class Fiber {
  private counter = 0

  /**
   * @param prefix position prefix ("" at top level, "4[2]" for item 2 of the map at "4")
   * @param idSuffix appended to step ids ("" at top level, "[2]", nested "[1][2]")
   */
  constructor(
    readonly prefix: string,
    readonly idSuffix: string,
  ) {}

  /** The next deterministic position in this fiber. */
  nextPosition(): string {
    const n = this.counter++
    return this.prefix === '' ? String(n) : `${this.prefix}.${n}`
  }
}

/** State shared by every fiber of one evaluation. */
export interface RunState {
  /** How often each fiber-qualified step id was called, for the `#2`, `#3` suffixes. */
  readonly idCounts: Map<string, number>
  /** Errors thrown by the host; they pass through without being rewrapped. */
  readonly hostErrors: WeakSet<object>
  /** The compute budget (budget.ts): calls and iterations so far, and since when they count. */
  ticks: number
  since: number
  readonly budgetMs: number
}

export interface Ctx {
  readonly flow: FlowDefinition | null
  /** Null inside `:functions` code, which may not call steps. */
  readonly host: FlowHost | null
  readonly fiber: Fiber
  readonly run: RunState
}

export function newRunState(budgetMs: number): RunState {
  return {idCounts: new Map(), hostErrors: new WeakSet(), ticks: 0, since: performance.now(), budgetMs}
}
