/**
 * The function values of flow code, kept in a leaf module (no evaluator imports) so the
 * built-in tables can be constructed at load time whatever the import order.
 */
import type {Callable, Sym, Value} from '../edn/values.js'
import type {MaybeAsync} from './async.js'
import type {Ctx, Env} from './env.js'
import {EvalError} from './eval-error.js'

export type BuiltinImpl = (args: Value[], ctx: Ctx) => MaybeAsync

export class Builtin implements Callable {
  readonly callable = true as const
  constructor(
    readonly name: string,
    readonly minArgs: number,
    readonly maxArgs: number,
    readonly impl: BuiltinImpl,
  ) {}
}

/** One arity of a closure: fixed parameter patterns, an optional `& rest` pattern, a body. */
export interface Arity {
  readonly params: readonly Value[]
  readonly rest: Value | null
  readonly body: readonly Value[]
}

export class Closure implements Callable {
  readonly callable = true as const
  constructor(
    readonly name: string | undefined,
    /** `(fn self [..] ..)`: bound to the closure itself for recursion. */
    readonly self: Sym | null,
    readonly arities: readonly Arity[],
    readonly env: Env,
  ) {}
}

/**
 * The value of a `(recur …)` form. It is not data: loop and closure bodies turn it into
 * the next iteration, and any other place that sees one reports recur out of tail position.
 */
export class Recur {
  constructor(readonly args: Value[]) {}
}

export function isRecur(v: unknown): v is Recur {
  return v instanceof Recur
}

export function recurNotInTail(): EvalError {
  return new EvalError('recur: can only be used in tail position of loop or fn')
}
