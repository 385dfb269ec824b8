/**
 * Binding patterns for let, loop, fn parameters, if-let and when-let:
 *   sym                                  binds the value
 *   [a b & more :as all]                 sequential (nil-padded; `more` is nil when empty)
 *   {:keys [a b] :strs [c] :syms [d] :or {a 1} :as m, x :x, [p q] :pair}
 * Map patterns also accept a sequence of key/value pairs (fn keyword arguments).
 */
import {Keyword, List, Sym, type EdnMap, type Value} from '../edn/values.js'
import type {Arity} from './fn-values.js'
import {describe, lookup, mapPut, toSeq} from './coerce.js'
import type {Env, Ctx} from './env.js'
import {EvalError} from './eval-error.js'
import type {MaybeAsync} from './async.js'

const AMP = Sym.of('&')
const AS = Keyword.of('as')
const KEYS = Keyword.of('keys')
const STRS = Keyword.of('strs')
const SYMS = Keyword.of('syms')
const OR = Keyword.of('or')

/** Bind `pattern` to `value` in `env` (mutating it). */
export function destructure(pattern: Value, value: Value, env: Env, ctx: Ctx): void {
  if (pattern instanceof Sym) {
    if (pattern === AMP) throw new EvalError('destructuring: `&` must be followed by one pattern inside a vector')
    env.vars.set(pattern, value)
  } else if (Array.isArray(pattern)) {
    destructureSeq(pattern, value, env, ctx)
  } else if (pattern instanceof Map) {
    destructureMap(pattern, value, env, ctx)
  } else {
    throw new EvalError(`destructuring: unsupported binding pattern ${describe(pattern)}`)
  }
}

function destructureSeq(pattern: Value[], value: Value, env: Env, ctx: Ctx): void {
  if (value instanceof Map || (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof List) && !(value instanceof Set))) {
    throw new EvalError(`destructuring: cannot bind vector pattern to ${describe(value)}`)
  }
  const items = toSeq(value, 'destructuring')
  let i = 0
  for (let p = 0; p < pattern.length; p++) {
    const pat = pattern[p]!
    if (pat === AMP) {
      bindRest(pattern[++p], i < items.length ? items.slice(i) : null, env, ctx)
    } else if (pat === AS) {
      const name = pattern[++p]
      if (!(name instanceof Sym)) throw new EvalError('destructuring: `:as` must be followed by a symbol')
      env.vars.set(name, value)
    } else {
      destructure(pat, i < items.length ? items[i]! : null, env, ctx)
      i++
    }
  }
}

/** `& more`: the items left over, nil when there are none. */
function bindRest(restPat: Value | undefined, rest: Value[] | null, env: Env, ctx: Ctx): void {
  if (restPat === undefined) throw new EvalError('destructuring: `&` must be followed by a pattern')
  // A map pattern after & reads the rest as key/value pairs (a seq in Clojure).
  destructure(restPat, rest !== null && restPat instanceof Map ? new List(rest) : rest, env, ctx)
}

/**
 * What a map pattern looks keys up in. As Clojure: a list (rest arguments, keyword options)
 * is read as key/value pairs; anything else is looked up with `get`, so a vector or a number
 * gives nil for every keyword.
 */
function asLookup(value: Value): Value {
  if (!(value instanceof List)) return value
  const m: EdnMap = new Map()
  for (let i = 0; i + 1 < value.items.length; i += 2) mapPut(m, value.items[i]!, value.items[i + 1]!)
  return m
}

const MISSING = Symbol('missing') as unknown as Value

function destructureMap(pattern: EdnMap, value: Value, env: Env, ctx: Ctx): void {
  const m = asLookup(value)
  const defaults = pattern.get(OR)
  if (defaults !== undefined && !(defaults instanceof Map)) throw new EvalError('destructuring: `:or` must be a map')
  const get = (key: Value, local: Value): Value => {
    const v = lookup(m, key, MISSING, 'destructuring')
    if (v !== MISSING) return v
    const d = defaults?.get(local)
    return d === undefined ? null : evalDefault(d, env, ctx)
  }
  for (const [k, v] of pattern) {
    if (k === KEYS || k === STRS || k === SYMS) {
      bindNameList(k as Keyword, v, env, get)
    } else if (k === AS) {
      if (!(v instanceof Sym)) throw new EvalError('destructuring: `:as` must be followed by a symbol')
      env.vars.set(v, m)
    } else if (k !== OR) {
      destructure(k, get(v, k), env, ctx)
    }
  }
}

/** `:keys [a ns/b]`, `:strs [c]`, `:syms [d]`: each name binds its last part to the value under that keyword, string or symbol. */
function bindNameList(kind: Keyword, names: Value, env: Env, get: (key: Value, local: Value) => Value): void {
  if (!Array.isArray(names)) throw new EvalError(`destructuring: ${kind.toString()} must be a vector`)
  for (const name of names) {
    if (!(name instanceof Sym) && !(name instanceof Keyword)) throw new EvalError(`destructuring: bad name in ${kind.toString()}: ${describe(name)}`)
    const full = name.name
    const local = Sym.of(full.includes('/') ? full.slice(full.indexOf('/') + 1) : full)
    const key = kind === KEYS ? Keyword.of(full) : kind === STRS ? full : Sym.of(full)
    env.vars.set(local, get(key, local))
  }
}

/**
 * The evaluator, installed by evaluate.ts when it loads: it calls into this module to bind
 * parameters, so importing it here would make a cycle.
 */
let evaluate: (form: Value, env: Env, ctx: Ctx) => MaybeAsync = () => {
  throw new Error('interpreter: evaluator not installed')
}

export function setDefaultEvaluator(f: typeof evaluate): void {
  evaluate = f
}

/** `:or` defaults are expressions; they must be pure (no steps) so binding stays synchronous. */
function evalDefault(form: Value, env: Env, ctx: Ctx): Value {
  const r = evaluate(form, env, ctx)
  if (r instanceof Promise) {
    r.catch(() => undefined)
    throw new EvalError('destructuring: an `:or` default must not call flow/step')
  }
  return r
}

/**
 * Bind a closure's parameters. From `recur` the rest parameter arrives as one value (the
 * recur form passes it as a sequence), so the count must match exactly.
 */
export function bindParams(a: Arity, args: Value[], env: Env, ctx: Ctx, fromRecur: boolean): Env {
  const n = a.params.length
  if (fromRecur && args.length !== n + (a.rest === null ? 0 : 1)) {
    throw new EvalError(`recur: expected ${n + (a.rest === null ? 0 : 1)} arguments, got ${args.length}`)
  }
  for (let i = 0; i < n; i++) destructure(a.params[i]!, args[i]!, env, ctx)
  if (a.rest !== null) {
    // Rest arguments are a seq in Clojure, so `& {:keys [a]}` reads keyword arguments.
    const rest = fromRecur ? args[n]! : args.length > n ? (a.rest instanceof Map ? new List(args.slice(n)) : args.slice(n)) : null
    destructure(a.rest, rest, env, ctx)
  }
  return env
}
