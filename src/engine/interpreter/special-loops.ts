/**
 * `for` and `doseq`: list comprehension over one or more bindings with `:let`, `:when` and
 * `:while`, evaluated eagerly and in order (breyta has no lazy seqs). Each evaluation of the
 * body runs in its own fiber, as a flow/map item does: the form takes one position ("4")
 * and body n runs as "4[n]", so step ids inside get "[n]" (fetch[0], fetch[1], …) and a
 * resumed run finds the iterations it finished in the journal by id.
 */
import {Keyword, Sym, type List, type Value} from '../edn/values.js'
import {andThen, findMaybe, type MaybeAsync} from './async.js'
import {SPECIAL} from './builtins.js'
import {toSeq, truthy} from './coerce.js'
import {destructure} from './destructure.js'
import {Env, Fiber, type Ctx} from './env.js'
import {EvalError} from './eval-error.js'
import {evalBody, evaluate} from './evaluate.js'
import {Recur, recurNotInTail} from './fn-values.js'
import {tick} from './budget.js'
import {bindPairs} from './special-forms.js'

type Clause = {kind: 'bind'; pattern: Value; expr: Value} | {kind: 'let'; bindings: Value[]} | {kind: 'when' | 'while'; expr: Value}

const LET = Keyword.of('let')
const WHEN = Keyword.of('when')
const WHILE = Keyword.of('while')
const parsed = new WeakMap<List, Clause[]>()

function clauses(form: List, name: string): Clause[] {
  const cached = parsed.get(form)
  if (cached !== undefined) return cached
  const b = form.items[1]
  if (!Array.isArray(b) || b.length % 2 !== 0 || b.length === 0)
    throw new EvalError(`${name}: expects a binding vector like [x coll] with an even number of forms`, form)
  const out: Clause[] = []
  for (let i = 0; i < b.length; i += 2) {
    const k = b[i]!
    const v = b[i + 1]!
    if (k === LET) {
      if (!Array.isArray(v) || v.length % 2 !== 0) throw new EvalError(`${name}: :let expects a binding vector`, form)
      out.push({kind: 'let', bindings: v})
    } else if (k === WHEN || k === WHILE) out.push({kind: k === WHEN ? 'when' : 'while', expr: v})
    else if (k instanceof Keyword) throw new EvalError(`${name}: unknown modifier :${k.name} (use :let, :when or :while)`, form)
    else out.push({kind: 'bind', pattern: k, expr: v})
  }
  if (out[0]!.kind !== 'bind') throw new EvalError(`${name}: the binding vector must start with a binding, not a modifier`, form)
  parsed.set(form, out)
  return out
}

/**
 * Run the comprehension, calling `body` once per combination in order. The walk returns
 * false when a `:while` fails, which ends the loop of the nearest binding before it.
 */
function comprehend(form: List, name: string, env: Env, ctx: Ctx, body: (env: Env, ctx: Ctx) => MaybeAsync<void>): MaybeAsync<void> {
  const cs = clauses(form, name)
  const position = ctx.fiber.nextPosition()
  let n = 0
  const walk = (i: number, e: Env): MaybeAsync<Value> => {
    if (i === cs.length) {
      tick(ctx)
      const k = n++
      const child: Ctx = {...ctx, fiber: new Fiber(`${position}[${k}]`, `${ctx.fiber.idSuffix}[${k}]`)}
      return andThen(body(e, child), () => true)
    }
    const c = cs[i]!
    switch (c.kind) {
      case 'let':
        return andThen(bindPairs(c.bindings, e, ctx), (next) => walk(i + 1, next))
      case 'when':
        return andThen(evaluate(c.expr, e, ctx), (t) => (truthy(t) ? walk(i + 1, e) : true))
      case 'while':
        return andThen(evaluate(c.expr, e, ctx), (t) => (truthy(t) ? walk(i + 1, e) : false))
      case 'bind':
        return andThen(evaluate(c.expr, e, ctx), (coll) => {
          const items = toSeq(coll, name)
          const each = (x: Value): MaybeAsync<Value> => {
            const inner = new Env(e)
            destructure(c.pattern, x, inner, ctx)
            return walk(i + 1, inner)
          }
          return andThen(
            findMaybe(items, each, (r) => r === false),
            () => true,
          )
        })
    }
  }
  return andThen(walk(0, env), () => undefined)
}

function checkBody(v: Value): Value {
  if (v instanceof Recur) throw recurNotInTail()
  return v
}

SPECIAL.set(Sym.of('for'), (form, env, ctx) => {
  if (form.items.length !== 3) throw new EvalError('for: expects (for [bindings] body)', form)
  const out: Value[] = []
  const body = (e: Env, c: Ctx): MaybeAsync<void> => andThen(evaluate(form.items[2]!, e, c), (v) => void out.push(checkBody(v)))
  return andThen(comprehend(form, 'for', env, ctx, body), () => out)
})

SPECIAL.set(Sym.of('doseq'), (form, env, ctx) => {
  const body = (e: Env, c: Ctx): MaybeAsync<void> => andThen(evalBody(form.items, 2, e, c), (v) => void checkBody(v))
  return andThen(comprehend(form, 'doseq', env, ctx, body), () => null)
})

export const LOOP_FORMS: readonly string[] = ['for', 'doseq']
