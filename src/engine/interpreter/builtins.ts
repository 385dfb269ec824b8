/**
 * The tables the evaluator dispatches through: global built-in functions and special forms.
 * core-*.ts, flow-fns.ts and special-forms.ts register into them at load time (index.ts
 * loads them all); the evaluator only reads them, which keeps the imports acyclic.
 */
import {Sym, type List, type Value} from '../edn/values.js'
import type {MaybeAsync} from './async.js'
import type {Ctx, Env} from './env.js'
import {Builtin, type BuiltinImpl} from './fn-values.js'

export const GLOBALS = new Map<Sym, Value>()

/** A special form receives its whole form unevaluated. */
export type SpecialForm = (form: List, env: Env, ctx: Ctx) => MaybeAsync

export const SPECIAL = new Map<Sym, SpecialForm>()

/** Register `name` taking between min and max arguments (max Infinity for variadic). */
export function def(name: string, min: number, max: number, impl: BuiltinImpl): Builtin {
  const b = new Builtin(name, min, max, impl)
  GLOBALS.set(Sym.of(name), b)
  return b
}

/** Register the string functions under every namespace users write them with. */
export function defString(name: string, min: number, max: number, impl: BuiltinImpl): void {
  const b = new Builtin(`clojure.string/${name}`, min, max, impl)
  for (const ns of ['clojure.string', 'str', 'string']) GLOBALS.set(Sym.of(`${ns}/${name}`), b)
}

/** Clojure forms flow code cannot use: the evaluator refuses them and validation reports them. */
export const UNSUPPORTED_FORMS: readonly string[] = ['def', 'defn', 'ns', 'require', 'set!', 'try', 'throw']
export const UNSUPPORTED_MESSAGE = 'is not supported in flow code (flows are pure expressions; use let, fn and flow/fail)'
