/**
 * Checks on the `:flow` body: every `(flow/step TYPE ID CONFIG)` call and every
 * `(flow/template ID …)` reference. The body is code, so only what is written literally is
 * checked; an id or config computed at run time is left to the runtime.
 */
import {Keyword, List, Sym, type Value} from '../edn/values.js'
import {stepExecutor, stepTypes} from '../steps/registry.js'
import {checkStepConfig, type StepRefs} from './step-config.js'
import type {Path, Problems} from './problems.js'
import {describe, nameOf} from './schema.js'

const STEP = Sym.of('flow/step')
const TEMPLATE = Sym.of('flow/template')
const QUOTE = Sym.of('quote')
/** Forms whose body may run many times; the runtime suffixes repeated step ids inside them. */
const REPEATING = new Set([Sym.of('fn'), Sym.of('loop'), Sym.of('for'), Sym.of('doseq')])
/**
 * Forms with alternative branches, and the index of their first branch. Only one branch runs,
 * so the same step id may appear once in each (e.g. `:notify` in both arms of an `if`).
 */
const BRANCHING = new Map<Value, number>([
  [Sym.of('if'), 2],
  [Sym.of('if-not'), 2],
  [Sym.of('if-let'), 2],
  [Sym.of('if-some'), 2],
  [Sym.of('cond'), 1],
  [Sym.of('case'), 2],
  [Sym.of('condp'), 3],
])

interface Walk {
  problems: Problems
  refs: StepRefs
  /** Step id → path of its ID form, for calls outside fn/loop bodies (per branch). */
  ids: Map<string, Path>
}

/** Walk the body at `at` (the path of the `:flow` form). */
export function checkFlowBody(problems: Problems, body: Value, at: Path, refs: StepRefs): void {
  walk({problems, refs, ids: new Map()}, body, at, false)
}

function walk(w: Walk, form: Value, at: Path, repeated: boolean): void {
  if (form instanceof List) return walkCall(w, form, at, repeated)
  if (Array.isArray(form)) return form.forEach((x, i) => walk(w, x, [...at, i], repeated))
  if (form instanceof Set) return [...form].forEach((x, i) => walk(w, x, [...at, i], repeated))
  if (form instanceof Map) {
    for (const [k, v] of form) {
      const name = nameOf(k)
      walk(w, k, at, repeated)
      walk(w, v, name === undefined ? at : [...at, name], repeated)
    }
  }
}

function walkCall(w: Walk, form: List, at: Path, repeated: boolean): void {
  const head = form.items[0]
  if (head === QUOTE) return
  if (head === STEP) checkStepCall(w, form.items, at, repeated)
  if (head === TEMPLATE) checkTemplateRef(w, form.items[1], [...at, 1])
  const inner = repeated || (head instanceof Sym && REPEATING.has(head))
  const firstBranch = inner ? undefined : BRANCHING.get(head ?? null)
  if (firstBranch === undefined) return form.items.forEach((x, i) => walk(w, x, [...at, i], inner))
  form.items.slice(0, firstBranch).forEach((x, i) => walk(w, x, [...at, i], inner))
  // Each branch sees the ids from before the form, not its siblings'; afterwards all count.
  const before = w.ids
  const after = new Map(before)
  form.items.slice(firstBranch).forEach((x, j) => {
    w.ids = new Map(before)
    walk(w, x, [...at, firstBranch + j], inner)
    for (const [id, path] of w.ids) if (!after.has(id)) after.set(id, path)
  })
  w.ids = after
}

function checkTemplateRef(w: Walk, id: Value | undefined, at: Path): void {
  const name = nameOf(id)
  if (name !== undefined && !w.refs.templates.has(name)) w.problems.add(at, `unknown template :${name}${known(w.refs.templates)}`, 'flow')
}

function known(names: Iterable<string>): string {
  const list = [...names]
  return list.length === 0 ? ' (the flow defines none)' : ` (known: ${list.map((n) => ':' + n).join(', ')})`
}

function checkStepCall(w: Walk, items: Value[], at: Path, repeated: boolean): void {
  const id = stepId(w, items[2], [...at, 2])
  const label = `flow[${id ?? 'step'}]`
  if (items.length < 3 || items.length > 4) {
    w.problems.add(at, `flow/step takes TYPE ID CONFIG, got ${items.length - 1} argument${items.length === 2 ? '' : 's'}`, label)
  }
  if (id !== undefined && !repeated) noteId(w, id, [...at, 2], label)
  const type = stepType(w, items[1], [...at, 1], label)
  const config = items[3]
  if (config instanceof Map) {
    if (type !== undefined) checkStepConfig(w.problems, {type, config, at: [...at, 3], label}, w.refs)
  } else if (config !== undefined && !isExpression(config)) w.problems.add([...at, 3], `a step config must be a map, not ${describe(config)}`, label)
}

/** Code computes the value at run time (a symbol or a call), so it cannot be checked here. */
function isExpression(v: Value): boolean {
  return v instanceof Sym || v instanceof List
}

function stepId(w: Walk, v: Value | undefined, at: Path): string | undefined {
  const name = nameOf(v)
  if (name !== undefined || v === undefined || isExpression(v)) return name
  w.problems.add(at, `a step id must be a keyword or string, not ${describe(v)}`, 'flow')
  return undefined
}

function noteId(w: Walk, id: string, at: Path, label: string): void {
  const first = w.ids.get(id)
  if (first === undefined) {
    w.ids.set(id, at)
    return
  }
  const pos = w.problems.locate(first)
  w.problems.add(at, `duplicate step id :${id}${pos ? ` (first at ${pos.line}:${pos.column})` : ''}; ids must be unique outside fn/loop bodies`, label)
}

function stepType(w: Walk, v: Value | undefined, at: Path, label: string): string | undefined {
  const types = stepTypes()
  const knownTypes = types.length === 0 ? 'no step types are registered' : `known types: ${types.map((t) => ':' + t).join(', ')}`
  if (!(v instanceof Keyword)) {
    w.problems.add(at, `a step type must be a keyword (${knownTypes}), not ${describe(v)}`, label)
    return undefined
  }
  if (stepExecutor(v.name) !== undefined) return v.name
  w.problems.add(at, `unknown step type :${v.name} (${knownTypes})`, label)
  return undefined
}
