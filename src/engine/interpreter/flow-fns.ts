/**
 * The `flow/` functions: the only bridge from flow code to the run. Steps go through
 * `FlowHost.step` with a deterministic position and id:
 *
 * - position: a per-fiber counter. The top level counts "0", "1", …; flow/map takes one
 *   position ("4") and runs item i in the child fiber "4[i]", whose calls are "4[i].0", ….
 * - id: the given id, plus "[i]" per enclosing flow/map item ("fetch[1][2]" when nested).
 *   A fiber-qualified id called again in the same run gets "#2", "#3", … (a loop, or the
 *   same id in two branches taken), so every step call in a run has a distinct id.
 */
import {toJson} from '../edn/json.js'
import {field, Keyword, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {stepReturned} from './budget.js'
import {def} from './builtins.js'
import {invoke} from './evaluate.js'
import {describe, strOf, toSeq} from './coerce.js'
import {Fiber, type Ctx} from './env.js'
import {EvalError, fnError} from './eval-error.js'
import {renderTemplate} from './template.js'
import {isSuspend, type FlowHost} from './types.js'

export const DEFAULT_MAP_CONCURRENCY = 4

function host(ctx: Ctx, name: string): FlowHost {
  if (ctx.host === null) {
    throw new EvalError(`${name} is not available inside a :functions entry (functions are pure; call steps and read run values in the flow body)`)
  }
  return ctx.host
}

/** A keyword or string id/key, as its name. */
function nameOf(v: Value, fname: string, what: string): string {
  if (v instanceof Keyword) return v.name
  if (typeof v === 'string' && v !== '') return v
  throw fnError(fname, `${what} must be a keyword or a non-empty string, got ${describe(v)}`)
}

def('flow/input', 0, 0, (_, ctx) => host(ctx, 'flow/input').input)
def('flow/run-id', 0, 0, (_, ctx) => host(ctx, 'flow/run-id').runId)
def('flow/now', 0, 0, (_, ctx) => host(ctx, 'flow/now').now)
def('flow/callback-url', 1, 1, (args, ctx) => host(ctx, 'flow/callback-url').callbackUrl(nameOf(args[0]!, 'flow/callback-url', 'the wait key')))

def('flow/template', 1, 2, (args, ctx) => {
  const id = nameOf(args[0]!, 'flow/template', 'the template id')
  const content = ctx.flow?.templates.get(id)
  if (content === undefined) throw fnError('flow/template', `unknown template '${id}'`)
  return renderTemplate(content, args[1] ?? null)
})

def('flow/fail', 1, 2, (args) => {
  const message = typeof args[0] === 'string' ? args[0] : strOf(args[0]!, 'flow/fail')
  throw new BreytaError('run_failed', message, {details: {data: toJson(args[1] ?? null)}})
})

/** The journaled id of the next call of `id` in this fiber. */
function stepId(id: string, ctx: Ctx): string {
  const qualified = id + ctx.fiber.idSuffix
  const n = (ctx.run.idCounts.get(qualified) ?? 0) + 1
  ctx.run.idCounts.set(qualified, n)
  return n === 1 ? qualified : `${qualified}#${n}`
}

def('flow/step', 2, 3, (args, ctx) => {
  const h = host(ctx, 'flow/step')
  const type = args[0]!
  if (!(type instanceof Keyword)) throw fnError('flow/step', `the step type must be a keyword like :http, got ${describe(type)}`)
  const id = stepId(nameOf(args[1]!, 'flow/step', 'the step id'), ctx)
  const position = ctx.fiber.nextPosition()
  const markHostError = (err: unknown): never => {
    if (typeof err === 'object' && err !== null) ctx.run.hostErrors.add(err)
    throw err
  }
  try {
    return Promise.resolve(h.step(type.name, id, args[2] ?? null, position)).then((v) => {
      stepReturned(ctx.run)
      return v
    }, markHostError)
  } catch (err) {
    return markHostError(err)
  }
})

def('flow/map', 2, 3, (args, ctx) => {
  const items = toSeq(args[0]!, 'flow/map')
  const opts = args[2] ?? null
  const c = opts instanceof Map ? field(opts, 'concurrency') : undefined
  if (opts !== null && !(opts instanceof Map)) throw fnError('flow/map', `options must be a map like {:concurrency 4}, got ${describe(opts)}`)
  if (c !== undefined && c !== null && !(typeof c === 'number' && Number.isInteger(c) && c > 0))
    throw fnError('flow/map', `:concurrency must be a positive integer, got ${describe(c)}`)
  const concurrency = typeof c === 'number' ? c : DEFAULT_MAP_CONCURRENCY
  return runMap(items, args[1]!, concurrency, ctx.fiber.nextPosition(), ctx)
})

/**
 * At most `concurrency` items in flight, results in order. A Suspend does not stop other
 * items (every item reaches its own wait before the run parks); another error stops
 * launching new items. Either way the running ones settle first, then the first real error
 * by index is thrown, else the first Suspend.
 */
async function runMap(items: readonly Value[], f: Value, concurrency: number, position: string, ctx: Ctx): Promise<Value> {
  const results: Value[] = new Array<Value>(items.length).fill(null)
  const errors = new Map<number, unknown>()
  let failed = false
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++
      const child: Ctx = {...ctx, fiber: new Fiber(`${position}[${i}]`, `${ctx.fiber.idSuffix}[${i}]`)}
      try {
        results[i] = await invoke(f, [items[i]!], child)
      } catch (err) {
        errors.set(i, err)
        if (!isSuspend(err)) failed = true
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, items.length)}, worker))
  if (errors.size === 0) return results
  const ordered = [...errors.entries()].sort(([a], [b]) => a - b).map(([, e]) => e)
  throw ordered.find((e) => !isSuspend(e)) ?? ordered[0]
}
