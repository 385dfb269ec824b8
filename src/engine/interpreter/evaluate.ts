/**
 * The evaluator: a direct walk over EDN forms. Symbols resolve through the lexical Env,
 * then the global built-ins. Lists whose head names a special form go to its handler;
 * other lists are calls, and `apply` is the one place a call happens: built-ins, closures,
 * and data used as functions (keywords, maps, sets, vectors). Results are
 * `Value | Promise<Value>` (see async.ts).
 *
 * The special forms and core functions register into tables in builtins.ts, so this
 * module imports none of them (no import cycles).
 */
import {printEdn} from '../edn/print.js'
import {Keyword, List, Sym, type EdnMap, type EdnSet, type Value} from '../edn/values.js'
import {isBreytaError} from '../errors.js'
import {type MaybeAsync} from './async.js'
import {GLOBALS, SPECIAL} from './builtins.js'
import {describe, lookup, mapPut, setAdd, setFind} from './coerce.js'
import {tick} from './budget.js'
import {bindParams, setDefaultEvaluator} from './destructure.js'
import {Env, type Ctx} from './env.js'
import {EvalError, fnError, withForm} from './eval-error.js'
import {Builtin, Closure, Recur, recurNotInTail, type Arity} from './fn-values.js'
import {isSuspend} from './types.js'

export function evaluate(form: Value, env: Env, ctx: Ctx): MaybeAsync {
  if (form instanceof Sym) return resolve(form, env)
  if (form instanceof List) return evalList(form, env, ctx)
  if (Array.isArray(form)) return evalAll(form, 0, env, ctx)
  if (form instanceof Map) return evalMap(form, env, ctx)
  if (form instanceof Set) return evalSet(form, env, ctx)
  return form
}

export function resolve(s: Sym, env: Env): Value {
  const local = env.lookup(s)
  if (local !== undefined) return local
  const global = GLOBALS.get(s)
  if (global !== undefined) return global
  if (SPECIAL.has(s)) throw new EvalError(`${s.name} is a special form and cannot be used as a value`)
  throw new EvalError(`unknown symbol '${s.name}'`)
}

function evalList(form: List, env: Env, ctx: Ctx): MaybeAsync {
  const items = form.items
  if (items.length === 0) return form
  const head = items[0]!
  if (head instanceof Sym) {
    const special = SPECIAL.get(head)
    if (special !== undefined) return special(form, env, ctx)
  }
  let r: MaybeAsync
  try {
    r = evalCall(items, env, ctx)
  } catch (err) {
    throw withForm(err, form)
  }
  if (r instanceof Promise) {
    return r.catch((err: unknown) => {
      throw withForm(err, form)
    })
  }
  return r
}

function evalCall(items: readonly Value[], env: Env, ctx: Ctx): MaybeAsync {
  const f = evaluate(items[0]!, env, ctx)
  if (f instanceof Promise) return f.then((fv) => callWith(fv, items, env, ctx))
  return callWith(f, items, env, ctx)
}

function callWith(f: Value, items: readonly Value[], env: Env, ctx: Ctx): MaybeAsync {
  const args = evalAll(items, 1, env, ctx)
  if (args instanceof Promise) return args.then((a) => apply(f, a, ctx))
  return apply(f, args, ctx)
}

/** Evaluate forms[start..] in order into a fresh array (vectors, call arguments). */
export function evalAll(forms: readonly Value[], start: number, env: Env, ctx: Ctx): MaybeAsync<Value[]> {
  const out: Value[] = new Array<Value>(forms.length - start)
  for (let i = start; i < forms.length; i++) {
    const v = evaluate(forms[i]!, env, ctx)
    if (v instanceof Promise) return evalAllRest(forms, start, env, ctx, out, i, v)
    if (v instanceof Recur) throw recurNotInTail()
    out[i - start] = v
  }
  return out
}

async function evalAllRest(forms: readonly Value[], start: number, env: Env, ctx: Ctx, out: Value[], i: number, p: Promise<Value>): Promise<Value[]> {
  out[i - start] = await p
  for (let j = i + 1; j < forms.length; j++) out[j - start] = await evaluate(forms[j]!, env, ctx)
  for (const v of out) if (v instanceof Recur) throw recurNotInTail()
  return out
}

/** `do`: evaluate forms[start..] in order, the value of the last (nil when none). */
export function evalBody(forms: readonly Value[], start: number, env: Env, ctx: Ctx): MaybeAsync {
  const last = forms.length - 1
  for (let i = start; i < last; i++) {
    const v = evaluate(forms[i]!, env, ctx)
    if (v instanceof Promise) return evalBodyRest(forms, i, v, env, ctx)
    if (v instanceof Recur) throw recurNotInTail()
  }
  return start <= last ? evaluate(forms[last]!, env, ctx) : null
}

async function evalBodyRest(forms: readonly Value[], i: number, p: Promise<Value>, env: Env, ctx: Ctx): Promise<Value> {
  if ((await p) instanceof Recur) throw recurNotInTail()
  const last = forms.length - 1
  for (let j = i + 1; j < last; j++) if ((await evaluate(forms[j]!, env, ctx)) instanceof Recur) throw recurNotInTail()
  return evaluate(forms[last]!, env, ctx)
}

function evalMap(form: EdnMap, env: Env, ctx: Ctx): MaybeAsync {
  const flat: Value[] = []
  for (const [k, v] of form) flat.push(k, v)
  const build = (vals: Value[]): Value => {
    const m: EdnMap = new Map()
    for (let i = 0; i < vals.length; i += 2) mapPut(m, vals[i]!, vals[i + 1]!)
    return m
  }
  const vals = evalAll(flat, 0, env, ctx)
  return vals instanceof Promise ? vals.then(build) : build(vals)
}

function evalSet(form: EdnSet, env: Env, ctx: Ctx): MaybeAsync {
  const build = (vals: Value[]): Value => {
    const s: EdnSet = new Set()
    for (const v of vals) setAdd(s, v)
    return s
  }
  const vals = evalAll([...form], 0, env, ctx)
  return vals instanceof Promise ? vals.then(build) : build(vals)
}

export function callableName(f: Value): string {
  if (f instanceof Builtin) return f.name
  if (f instanceof Closure) return f.name ?? 'fn'
  return printEdn(f)
}

/** Call `f` with already evaluated arguments. */
export function apply(f: Value, args: Value[], ctx: Ctx): MaybeAsync {
  tick(ctx)
  if (f instanceof Builtin) return applyBuiltin(f, args, ctx)
  if (f instanceof Closure) return applyClosure(f, args, ctx)
  if (f instanceof Keyword) {
    arity(printEdn(f), args, 1, 2)
    return lookup(args[0]!, f, args.length > 1 ? args[1]! : null, printEdn(f))
  }
  if (f instanceof Map) {
    arity('map', args, 1, 2)
    return lookup(f, args[0]!, args.length > 1 ? args[1]! : null)
  }
  if (f instanceof Set) {
    arity('set', args, 1, 1)
    return setFind(f, args[0]!) ?? null
  }
  if (Array.isArray(f)) {
    arity('vector', args, 1, 1)
    const i = args[0]!
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= f.length)
      throw fnError('vector', `index ${printEdn(i)} out of bounds (count ${f.length})`)
    return f[i]!
  }
  throw new EvalError(`cannot call ${describe(f)} as a function`)
}

function arity(name: string, args: Value[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw fnError(name, `wrong number of arguments (${args.length})`)
}

function applyBuiltin(f: Builtin, args: Value[], ctx: Ctx): MaybeAsync {
  arity(f.name, args, f.minArgs, f.maxArgs)
  try {
    return f.impl(args, ctx)
  } catch (err) {
    throw toEvalError(err, f.name, ctx)
  }
}

/** A JS error escaping a built-in is a bug in argument checking; report it as the built-in's. */
function toEvalError(err: unknown, name: string, ctx: Ctx): unknown {
  if (isBreytaError(err) || isSuspend(err)) return err
  if (typeof err === 'object' && err !== null && ctx.run.hostErrors.has(err)) return err
  const message =
    err instanceof RangeError && /call stack/i.test(err.message) ? 'recursion too deep (use loop/recur)' : err instanceof Error ? err.message : String(err)
  return fnError(name, message)
}

function selectArity(f: Closure, n: number): Arity {
  let variadic: Arity | undefined
  for (const a of f.arities) {
    if (a.rest === null && a.params.length === n) return a
    if (a.rest !== null && n >= a.params.length) variadic = a
  }
  if (variadic !== undefined) return variadic
  throw fnError(f.name ?? 'fn', `wrong number of arguments (${n})`)
}

function closureEnv(f: Closure): Env {
  const env = new Env(f.env)
  if (f.self !== null) env.vars.set(f.self, f)
  return env
}

/** Run a closure body; `recur` in tail position re-binds the parameters without growing the stack. */
function applyClosure(f: Closure, args: Value[], ctx: Ctx): MaybeAsync {
  const a = selectArity(f, args.length)
  let env = bindParams(a, args, closureEnv(f), ctx, false)
  for (;;) {
    const r = evalBody(a.body, 0, env, ctx)
    if (r instanceof Promise) return closureRest(f, a, r, ctx)
    if (!(r instanceof Recur)) return r
    tick(ctx)
    env = bindParams(a, r.args, closureEnv(f), ctx, true)
  }
}

async function closureRest(f: Closure, a: Arity, p: Promise<Value>, ctx: Ctx): Promise<Value> {
  let r = await p
  while (r instanceof Recur) {
    tick(ctx)
    r = await evalBody(a.body, 0, bindParams(a, r.args, closureEnv(f), ctx, true), ctx)
  }
  return r
}

/** Call a function value from a core function (map, filter, …). */
export function invoke(f: Value, args: Value[], ctx: Ctx): MaybeAsync {
  return apply(f, args, ctx)
}

/** Call and require a synchronous result (comparators, :or defaults). */
export function invokeSync(f: Value, args: Value[], ctx: Ctx, what: string): Value {
  const r = apply(f, args, ctx)
  if (r instanceof Promise) {
    r.catch(() => undefined)
    throw new EvalError(`${what}: this function must not call flow/step`)
  }
  return r
}

setDefaultEvaluator(evaluate)
