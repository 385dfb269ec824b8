/**
 * Special forms: syntax that controls evaluation (binding, branching, functions, loops,
 * threading). Each handler receives the whole form unevaluated.
 */
import {equals, Keyword, List, Sym, type Value} from '../edn/values.js'
import {andThen, type MaybeAsync} from './async.js'
import {SPECIAL, UNSUPPORTED_FORMS, UNSUPPORTED_MESSAGE, type SpecialForm} from './builtins.js'
import {Closure, Recur, recurNotInTail, type Arity} from './fn-values.js'
import {toSeq, truthy} from './coerce.js'
import {tick} from './budget.js'
import {destructure} from './destructure.js'
import {Env, type Ctx} from './env.js'
import {EvalError, formText} from './eval-error.js'
import {apply, evalAll, evalBody, evaluate} from './evaluate.js'

function define(name: string, handler: SpecialForm): void {
  SPECIAL.set(Sym.of(name), handler)
}

function syntax(name: string, message: string, form: List): EvalError {
  return new EvalError(`${name}: ${message}`, form)
}

function bindingVector(form: List, name: string): Value[] {
  const b = form.items[1]
  if (!Array.isArray(b) || b.length % 2 !== 0) throw syntax(name, 'expects a binding vector with an even number of forms', form)
  return b
}

/** Evaluate binding pairs in order, each in a new Env so closures see what existed when made. */
export function bindPairs(bindings: readonly Value[], env: Env, ctx: Ctx, from = 0): MaybeAsync<Env> {
  let e = env
  for (let i = from; i < bindings.length; i += 2) {
    const v = evaluate(bindings[i + 1]!, e, ctx)
    if (v instanceof Promise) {
      const at = i
      const current = e
      return v.then((value) => bindPairs(bindings, bindOne(bindings[at]!, value, current, ctx), ctx, at + 2))
    }
    e = bindOne(bindings[i]!, v, e, ctx)
  }
  return e
}

function bindOne(pattern: Value, value: Value, env: Env, ctx: Ctx): Env {
  if (value instanceof Recur) throw recurNotInTail()
  const e = new Env(env)
  destructure(pattern, value, e, ctx)
  return e
}

define('quote', (form) => {
  if (form.items.length !== 2) throw syntax('quote', 'expects one form', form)
  return form.items[1]!
})

define('do', (form, env, ctx) => evalBody(form.items, 1, env, ctx))

define('if', (form, env, ctx) => {
  const items = form.items
  if (items.length < 3 || items.length > 4) throw syntax('if', 'expects (if test then else?)', form)
  return andThen(evaluate(items[1]!, env, ctx), (t) => (truthy(t) ? evaluate(items[2]!, env, ctx) : items.length === 4 ? evaluate(items[3]!, env, ctx) : null))
})

define('when', (form, env, ctx) => {
  if (form.items.length < 2) throw syntax('when', 'expects a test', form)
  return andThen(evaluate(form.items[1]!, env, ctx), (t) => (truthy(t) ? evalBody(form.items, 2, env, ctx) : null))
})

define('when-not', (form, env, ctx) => {
  if (form.items.length < 2) throw syntax('when-not', 'expects a test', form)
  return andThen(evaluate(form.items[1]!, env, ctx), (t) => (truthy(t) ? null : evalBody(form.items, 2, env, ctx)))
})

define('let', (form, env, ctx) => {
  const bindings = bindingVector(form, 'let')
  return andThen(bindPairs(bindings, env, ctx), (e) => evalBody(form.items, 2, e, ctx))
})

function condFrom(items: readonly Value[], i: number, env: Env, ctx: Ctx): MaybeAsync {
  if (i >= items.length) return null
  return andThen(evaluate(items[i]!, env, ctx), (t) => (truthy(t) ? evaluate(items[i + 1]!, env, ctx) : condFrom(items, i + 2, env, ctx)))
}

define('cond', (form, env, ctx) => {
  if (form.items.length % 2 !== 1) throw syntax('cond', 'expects test/expression pairs', form)
  return condFrom(form.items, 1, env, ctx)
})

define('case', (form, env, ctx) => {
  const items = form.items
  if (items.length < 2) throw syntax('case', 'expects an expression', form)
  return andThen(evaluate(items[1]!, env, ctx), (v) => {
    let i = 2
    for (; i + 1 < items.length; i += 2) {
      const test = items[i]!
      const hit = test instanceof List ? test.items.some((t) => equals(t, v)) : equals(test, v)
      if (hit) return evaluate(items[i + 1]!, env, ctx)
    }
    if (i < items.length) return evaluate(items[i]!, env, ctx)
    throw syntax('case', `no matching clause for ${formText(v)}`, form)
  })
})

function andFrom(items: readonly Value[], i: number, env: Env, ctx: Ctx): MaybeAsync {
  if (i >= items.length) return true
  if (i === items.length - 1) return evaluate(items[i]!, env, ctx)
  return andThen(evaluate(items[i]!, env, ctx), (v) => (truthy(v) ? andFrom(items, i + 1, env, ctx) : v))
}

function orFrom(items: readonly Value[], i: number, env: Env, ctx: Ctx): MaybeAsync {
  if (i >= items.length) return null
  if (i === items.length - 1) return evaluate(items[i]!, env, ctx)
  return andThen(evaluate(items[i]!, env, ctx), (v) => (truthy(v) ? v : orFrom(items, i + 1, env, ctx)))
}

define('and', (form, env, ctx) => andFrom(form.items, 1, env, ctx))
define('or', (form, env, ctx) => orFrom(form.items, 1, env, ctx))

/** if-let and friends; `test` is truthiness, or "not nil" for if-some / when-some. */
function ifLet(
  name: string,
  form: List,
  env: Env,
  ctx: Ctx,
  then_: (e: Env) => MaybeAsync,
  else_: () => MaybeAsync,
  test: (v: Value) => boolean = truthy,
): MaybeAsync {
  const b = bindingVector(form, name)
  if (b.length !== 2) throw syntax(name, 'expects exactly one binding', form)
  return andThen(evaluate(b[1]!, env, ctx), (v) => (test(v) ? then_(bindOne(b[0]!, v, env, ctx)) : else_()))
}

define('if-let', (form, env, ctx) => {
  if (form.items.length < 3 || form.items.length > 4) throw syntax('if-let', 'expects (if-let [x expr] then else?)', form)
  return ifLet(
    'if-let',
    form,
    env,
    ctx,
    (e) => evaluate(form.items[2]!, e, ctx),
    () => (form.items.length === 4 ? evaluate(form.items[3]!, env, ctx) : null),
  )
})

define('when-let', (form, env, ctx) =>
  ifLet(
    'when-let',
    form,
    env,
    ctx,
    (e) => evalBody(form.items, 2, e, ctx),
    () => null,
  ),
)

const isSome = (v: Value) => v !== null

define('if-some', (form, env, ctx) => {
  if (form.items.length < 3 || form.items.length > 4) throw syntax('if-some', 'expects (if-some [x expr] then else?)', form)
  return ifLet(
    'if-some',
    form,
    env,
    ctx,
    (e) => evaluate(form.items[2]!, e, ctx),
    () => (form.items.length === 4 ? evaluate(form.items[3]!, env, ctx) : null),
    isSome,
  )
})

define('when-some', (form, env, ctx) =>
  ifLet(
    'when-some',
    form,
    env,
    ctx,
    (e) => evalBody(form.items, 2, e, ctx),
    () => null,
    isSome,
  ),
)

/** (when-first [x coll] body): body with x the first item, when coll has one. */
define('when-first', (form, env, ctx) => {
  const b = bindingVector(form, 'when-first')
  if (b.length !== 2) throw syntax('when-first', 'expects exactly one binding', form)
  return andThen(evaluate(b[1]!, env, ctx), (coll) => {
    const xs = toSeq(coll, 'when-first')
    return xs.length === 0 ? null : evalBody(form.items, 2, bindOne(b[0]!, xs[0]!, env, ctx), ctx)
  })
})

define('recur', (form, env, ctx) => andThen(evalAll(form.items, 1, env, ctx), (args) => new Recur(args) as unknown as Value))

define('loop', (form, env, ctx) => {
  const bindings = bindingVector(form, 'loop')
  const patterns = bindings.filter((_, i) => i % 2 === 0)
  return andThen(bindPairs(bindings, env, ctx), (e) => runLoop(form, patterns, env, e, ctx))
})

function rebind(form: List, patterns: readonly Value[], outer: Env, args: Value[], ctx: Ctx): Env {
  if (args.length !== patterns.length) throw syntax('recur', `expected ${patterns.length} arguments, got ${args.length}`, form)
  const e = new Env(outer)
  for (let i = 0; i < patterns.length; i++) destructure(patterns[i]!, args[i]!, e, ctx)
  return e
}

/** Iterate while the body returns a Recur; a fresh Env per iteration keeps closures honest. */
function runLoop(form: List, patterns: readonly Value[], outer: Env, first: Env, ctx: Ctx): MaybeAsync {
  let env = first
  for (;;) {
    const r = evalBody(form.items, 2, env, ctx)
    if (r instanceof Promise) return runLoopRest(form, patterns, outer, r, ctx)
    if (!(r instanceof Recur)) return r
    tick(ctx)
    env = rebind(form, patterns, outer, r.args, ctx)
  }
}

async function runLoopRest(form: List, patterns: readonly Value[], outer: Env, p: Promise<Value>, ctx: Ctx): Promise<Value> {
  let r = await p
  while (r instanceof Recur) {
    tick(ctx)
    r = await evalBody(form.items, 2, rebind(form, patterns, outer, r.args, ctx), ctx)
  }
  return r
}

const AMP = Sym.of('&')
const parsedFns = new WeakMap<List, {name: Sym | null; arities: Arity[]}>()

function parseArity(params: Value, body: readonly Value[], form: List): Arity {
  if (!Array.isArray(params)) throw syntax('fn', 'expects a parameter vector', form)
  const amp = params.indexOf(AMP)
  if (amp >= 0 && amp !== params.length - 2) throw syntax('fn', '`&` must be followed by exactly one parameter', form)
  return {params: amp >= 0 ? params.slice(0, amp) : params, rest: amp >= 0 ? params[amp + 1]! : null, body}
}

/** Parse once per form: closures made in a loop share it. */
function parseFn(form: List): {name: Sym | null; arities: Arity[]} {
  const cached = parsedFns.get(form)
  if (cached !== undefined) return cached
  const items = form.items
  let i = 1
  const name = items[1] instanceof Sym ? (items[i++] as Sym) : null
  let arities: Arity[]
  if (Array.isArray(items[i])) {
    arities = [parseArity(items[i]!, items.slice(i + 1), form)]
  } else {
    arities = items.slice(i).map((a) => {
      if (!(a instanceof List) || a.items.length === 0) throw syntax('fn', 'expects [params] body or ([params] body)+', form)
      return parseArity(a.items[0]!, a.items.slice(1), form)
    })
    if (arities.length === 0) throw syntax('fn', 'expects a parameter vector', form)
  }
  const parsed = {name, arities}
  parsedFns.set(form, parsed)
  return parsed
}

define('fn', (form, env) => {
  const {name, arities} = parseFn(form)
  return new Closure(name?.name, name, arities, env)
})

const ARROW_CACHE = new WeakMap<List, Value>()

function threadStep(x: Value, step: Value, last: boolean): Value {
  if (step instanceof List && step.items.length > 0) {
    const [head, ...rest] = step.items
    return new List(last ? [head!, ...rest, x] : [head!, x, ...rest])
  }
  return new List([step, x])
}

/** `->`/`->>` are macros (see macro()): the form with each step's call taking the value first or last. */
function threading(last: boolean): (form: List) => Value {
  return (form) => {
    if (form.items.length < 2) throw syntax(last ? '->>' : '->', 'expects an initial expression', form)
    return form.items.slice(2).reduce<Value>((x, step) => threadStep(x, step, last), form.items[1]!)
  }
}

macro('->', threading(false))
macro('->>', threading(true))

const QUOTE = Sym.of('quote')

function someFrom(value: Value, steps: readonly Value[], i: number, env: Env, ctx: Ctx, last: boolean): MaybeAsync {
  if (value === null || i >= steps.length) return value
  const form = threadStep(new List([QUOTE, value]), steps[i]!, last)
  return andThen(evaluate(form, env, ctx), (v) => someFrom(v, steps, i + 1, env, ctx, last))
}

function someThreading(last: boolean): SpecialForm {
  const name = last ? 'some->>' : 'some->'
  return (form, env, ctx) => {
    if (form.items.length < 2) throw syntax(name, 'expects an initial expression', form)
    return andThen(evaluate(form.items[1]!, env, ctx), (v) => someFrom(v, form.items, 2, env, ctx, last))
  }
}

define('some->', someThreading(false))
define('some->>', someThreading(true))

define('if-not', (form, env, ctx) => {
  const items = form.items
  if (items.length < 3 || items.length > 4) throw syntax('if-not', 'expects (if-not test then else?)', form)
  return andThen(evaluate(items[1]!, env, ctx), (t) => (!truthy(t) ? evaluate(items[2]!, env, ctx) : items.length === 4 ? evaluate(items[3]!, env, ctx) : null))
})

/** Expand a macro once per form (the expansion is cached), then evaluate it. */
function macro(name: string, expand: (form: List) => Value): void {
  define(name, (form, env, ctx) => {
    let expanded = ARROW_CACHE.get(form)
    if (expanded === undefined) {
      expanded = expand(form)
      ARROW_CACHE.set(form, expanded)
    }
    return evaluate(expanded, env, ctx)
  })
}

const LET = Sym.of('let')
const IF = Sym.of('if')
/** The threaded value in cond-> expansions; not a name users write. */
const THREADED = Sym.of('cond->#value')

function condThreading(last: boolean): (form: List) => Value {
  const name = last ? 'cond->>' : 'cond->'
  return (form) => {
    const items = form.items
    if (items.length < 2 || items.length % 2 !== 0) throw syntax(name, 'expects an initial expression and test/form pairs', form)
    const bindings: Value[] = [THREADED, items[1]!]
    for (let i = 2; i < items.length; i += 2) bindings.push(THREADED, new List([IF, items[i]!, threadStep(THREADED, items[i + 1]!, last), THREADED]))
    return new List([LET, bindings, THREADED])
  }
}

macro('cond->', condThreading(false))
macro('cond->>', condThreading(true))

macro('as->', (form) => {
  const [, init, name, ...steps] = form.items
  if (init === undefined || !(name instanceof Sym)) throw syntax('as->', 'expects (as-> expr name forms*)', form)
  const bindings: Value[] = [name, init]
  for (const step of steps) bindings.push(name, step)
  return new List([LET, bindings, name])
})

const CONDP_ARROW = Keyword.of('>>')

define('condp', (form, env, ctx) => {
  if (form.items.length < 3) throw syntax('condp', 'expects (condp pred expr clauses*)', form)
  return andThen(evaluate(form.items[1]!, env, ctx), (pred) => andThen(evaluate(form.items[2]!, env, ctx), (x) => condpFrom(form, pred, x, 3, env, ctx)))
})

function condpFrom(form: List, pred: Value, x: Value, i: number, env: Env, ctx: Ctx): MaybeAsync {
  const items = form.items
  if (i >= items.length) throw syntax('condp', `no matching clause for ${formText(x)}`, form)
  if (i === items.length - 1) return evaluate(items[i]!, env, ctx)
  const arrow = items[i + 1] === CONDP_ARROW
  return andThen(evaluate(items[i]!, env, ctx), (test) =>
    andThen(apply(pred, [test, x], ctx), (hit) => {
      if (!truthy(hit)) return condpFrom(form, pred, x, i + (arrow ? 3 : 2), env, ctx)
      if (!arrow) return evaluate(items[i + 1]!, env, ctx)
      return andThen(evaluate(items[i + 2]!, env, ctx), (f) => apply(f, [hit], ctx))
    }),
  )
}

for (const name of UNSUPPORTED_FORMS) {
  define(name, (form) => {
    throw syntax(name, UNSUPPORTED_MESSAGE, form)
  })
}

export const SPECIAL_FORMS: readonly string[] = [
  'quote',
  'do',
  'if',
  'if-not',
  'when',
  'when-not',
  'let',
  'cond',
  'condp',
  'case',
  'and',
  'or',
  'if-let',
  'when-let',
  'if-some',
  'when-some',
  'when-first',
  'fn',
  'loop',
  'recur',
  '->',
  '->>',
  'some->',
  'some->>',
  'cond->',
  'cond->>',
  'as->',
  'for',
  'doseq',
]
