/**
 * The deterministic interpreter for `:flow` bodies and `:functions` code: a pure subset of
 * Clojure evaluated over EDN values. Everything with an effect goes through FlowHost.
 *
 * Where it differs from Clojure on purpose is one table in README.md ("Flow code and Clojure:
 * the differences"); test/engine/interpreter/differential.test.ts checks it against nbb.
 * Step positions and the `[i]` / `#n` step id suffixes are described in flow-fns.ts.
 */
import {readEdn} from '../edn/read.js'
import {isCallable, Keyword, List, Sym, type Value} from '../edn/values.js'
import type {PathSegment} from '../edn/positions.js'
import {analyze} from './analyze.js'
import {BreytaError, isBreytaError} from '../errors.js'
import type {FlowDefinition} from '../flow/types.js'
import './core-fns.js'
import './special-forms.js'
import './special-loops.js'
import {Env, Fiber, newRunState, type Ctx, type RunState} from './env.js'
import {COMPUTE_BUDGET_MS} from './budget.js'
import {EvalError} from './eval-error.js'
import {apply, evaluate} from './evaluate.js'
import {isRecur, recurNotInTail} from './fn-values.js'
import {isSuspend, type FlowHost} from './types.js'

export {CORE_FUNCTIONS, FLOW_FUNCTIONS} from './core-fns.js'
export {SPECIAL_FORMS} from './special-forms.js'
export {renderTemplate} from './template.js'
export {analyze, didYouMean, type Unbound} from './analyze.js'
export {COMPUTE_BUDGET_MS} from './budget.js'
export {Suspend, isSuspend, type FlowHost} from './types.js'

const QUOTE = Sym.of('quote')

/** `'(…)` and `(quote …)` wrappers around a body are accepted and unwrapped. */
function unquote(form: Value): Value {
  return form instanceof List && form.items.length === 2 && form.items[0] === QUOTE ? form.items[1]! : form
}

/**
 * Anything else escaping evaluation (a stack overflow from deep non-tail recursion) becomes
 * run_failed; host errors, Suspend and BreytaErrors pass through as thrown.
 */
function normalize(err: unknown, run: RunState): unknown {
  if (isSuspend(err) || isBreytaError(err)) return err
  if (typeof err === 'object' && err !== null && run.hostErrors.has(err)) return err
  if (err instanceof RangeError && /call stack/i.test(err.message)) return new EvalError('recursion too deep (use loop/recur for long iterations)')
  return new BreytaError('run_failed', `evaluation failed: ${err instanceof Error ? err.message : String(err)}`, {cause: err})
}

/**
 * Symbols are resolved before the code runs (analyze.ts): a typo in a branch not taken
 * fails now, at its form, not on the day the branch runs. analyze remembers forms that
 * resolved, so a body validated by parseFlow is not walked again here.
 */
function resolveFirst(form: Value): void {
  const [first, ...more] = analyze(form)
  if (first !== undefined) {
    const err = new EvalError(more.length === 0 ? first.message : `${first.message} (and ${more.length} more: ${more.map((u) => u.name).join(', ')})`)
    err.attach(enclosingForm(form, first.path))
    throw err
  }
}

/** The innermost list on `path` into `form` (the call or special form holding a symbol). */
function enclosingForm(form: Value, path: readonly PathSegment[]): Value {
  let v: Value | undefined = form
  let list: Value = form
  for (const seg of path) {
    if (v instanceof List) {
      list = v
      v = v.items[seg as number]
    } else if (Array.isArray(v)) v = v[seg as number]
    else if (v instanceof Set) v = [...v][seg as number]
    else if (v instanceof Map) v = [...v].find(([k]) => (k instanceof Keyword || k instanceof Sym ? k.name : String(k)) === String(seg))?.[1]
    else break
  }
  return list
}

async function run(form: Value, ctx: Ctx): Promise<Value> {
  try {
    resolveFirst(form)
    const v = await evaluate(form, new Env(null), ctx)
    if (isRecur(v)) throw recurNotInTail()
    return v
  } catch (err) {
    throw normalize(err, ctx.run)
  }
}

export interface EvaluateOptions {
  /** How long the code may compute between steps before the run fails (budget.ts). */
  budgetMs?: number
}

/** Evaluate `flow.flow` against the host (steps, input, run id, clock all come from it). */
export function evaluateFlow(flow: FlowDefinition, host: FlowHost, options: EvaluateOptions = {}): Promise<Value> {
  return run(unquote(flow.flow), {flow, host, fiber: new Fiber('', ''), run: newRunState(options.budgetMs ?? COMPUTE_BUDGET_MS)})
}

const compiled = new WeakMap<FlowDefinition, Map<string, Value>>()

function functionCtx(flow: FlowDefinition, options: EvaluateOptions): Ctx {
  return {flow, host: null, fiber: new Fiber('', ''), run: newRunState(options.budgetMs ?? COMPUTE_BUDGET_MS)}
}

/** Read and evaluate a function's code once per flow; the result is a closure over no locals. */
async function compileFunction(flow: FlowDefinition, fn: {ref?: string; code?: string}): Promise<Value> {
  const key = fn.ref !== undefined ? `ref:${fn.ref}` : `code:${fn.code ?? ''}`
  let cache = compiled.get(flow)
  const hit = cache?.get(key)
  if (hit !== undefined) return hit
  let code = fn.code
  if (fn.ref !== undefined) {
    const def = flow.functions.get(fn.ref)
    if (def === undefined) throw new BreytaError('run_failed', `unknown function '${fn.ref}'`, {hint: "Add it to the flow's :functions or fix the :ref."})
    code = def.code
  }
  if (code === undefined || code.trim() === '') throw new BreytaError('run_failed', 'a function needs :ref or :code')
  const value = await run(unquote(readEdn(code, {code: true, file: fn.ref !== undefined ? `function :${fn.ref}` : 'function code'})), functionCtx(flow, {}))
  if (!isCallable(value)) throw new BreytaError('run_failed', `function ${fn.ref ?? 'code'} must evaluate to a function like (fn [input] …)`)
  if (cache === undefined) {
    cache = new Map()
    compiled.set(flow, cache)
  }
  cache.set(key, value)
  return value
}

/** Apply a `:functions` entry (by `ref`) or a `(fn [input] …)` code string to `input`. */
export async function callFunction(flow: FlowDefinition, fn: {ref?: string; code?: string}, input: Value, options: EvaluateOptions = {}): Promise<Value> {
  const f = await compileFunction(flow, fn)
  const ctx = functionCtx(flow, options)
  try {
    return await apply(f, [input], ctx)
  } catch (err) {
    throw normalize(err, ctx.run)
  }
}
