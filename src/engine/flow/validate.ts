/**
 * Validating a flow map read from EDN (SPEC §3): every problem is collected, each with the
 * line and column of the offending form, and a FlowDefinition is produced when there are none.
 */
import type {Problem} from '../errors.js'
import {List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {checkFlowBody} from './body.js'
import {checkFlowSymbols} from './symbols.js'
import {Problems, type Locator, type Path} from './problems.js'
import {describe, get, nameOf, SLUG} from './schema.js'
import {checkInterfaces, checkInvocations, checkSchedules} from './breyta-shapes.js'
import {checkKeys, TOP_LEVEL_KEYS} from './keys.js'
import {checkConcurrency, checkFunctions, checkRequires, checkTemplates, checkTriggers} from './sections.js'
import type {FlowDefinition} from './types.js'

export interface ValidateOptions {
  file?: string
  /** Names from connections.edn; when given, step `:connection` refs are checked against them. */
  connections?: ReadonlySet<string>
  /**
   * Refuse text longer than this many bytes before reading it (config.edn :limits
   * :flow-bytes). Given where flow text enters the workspace; a pinned copy was checked then.
   */
  maxBytes?: number
}

export interface Validation {
  flow?: FlowDefinition
  problems: Problem[]
  /** Unknown keys breyta ignores (not problems: the flow runs). */
  warnings?: Problem[]
}

/** Validate a value read from a flow file; `locator` gives positions for problems. */
export function validateFlowValue(value: Value, locator: Locator, options: ValidateOptions = {}): Validation {
  const problems = new Problems(locator, options.file)
  if (!(value instanceof Map)) {
    problems.add([], `a flow must be an EDN map like {:slug :my-flow :name "…" :flow (…)}, not ${describe(value)}`, '')
    return {problems: problems.list}
  }
  const flow = checkFlowMap(problems, value, options)
  const warnings = inTextOrder(problems.warnings)
  return problems.empty ? {flow, problems: [], warnings} : {problems: inTextOrder(problems.list), warnings}
}

/** Problems sorted by where they are in the file (stable; unplaced ones last). */
function inTextOrder(problems: Problem[]): Problem[] {
  const at = (p: Problem): number => (p.line === undefined ? Number.MAX_SAFE_INTEGER : p.line * 1e6 + (p.column ?? 0))
  return problems
    .map((p, i) => ({p, i}))
    .sort((a, b) => at(a.p) - at(b.p) || a.i - b.i)
    .map(({p}) => p)
}

function checkFlowMap(problems: Problems, m: EdnMap, options: ValidateOptions): FlowDefinition {
  const slug = checkSlug(problems, get(m, 'slug'))
  const name = checkString(problems, m, 'name', true)
  const description = checkString(problems, m, 'description', false)
  const concurrency = checkConcurrency(problems, get(m, 'concurrency'))
  checkKeys(problems, m, TOP_LEVEL_KEYS, [], 'top-level')
  // Breyta's :interfaces and :schedules are triggers too (one list, whichever key declared them).
  const triggers = [
    ...checkTriggers(problems, get(m, 'triggers')),
    ...checkInterfaces(problems, get(m, 'interfaces')),
    ...checkSchedules(problems, get(m, 'schedules')),
  ]
  const requiredInputs = checkInvocations(problems, get(m, 'invocations'))
  const requires = checkRequires(problems, get(m, 'requires'))
  const templates = checkTemplates(problems, get(m, 'templates'))
  const functions = checkFunctions(problems, get(m, 'functions'))
  const connections = options.connections === undefined ? undefined : new Set([...options.connections, ...requires.map((r) => r.slot)])
  const refs = {functions: new Set(functions.keys()), templates: new Set(templates.keys()), ...(connections ? {connections} : {})}
  const body = flowBody(problems, get(m, 'flow'))
  if (body !== undefined) {
    checkFlowBody(problems, body.form, body.at, refs)
    checkFlowSymbols(problems, body.form, body.at)
  }
  const flow: FlowDefinition = {slug, name: name ?? '', concurrency, triggers, requires, templates, functions, flow: body?.form ?? null, raw: m}
  if (description !== undefined) flow.description = description
  if (requiredInputs.length > 0) flow.requiredInputs = requiredInputs
  return flow
}

function checkSlug(problems: Problems, v: Value | undefined): string {
  const slug = nameOf(v)
  if (v === undefined) problems.add(['slug'], 'missing :slug (a keyword like :pr-review)', 'slug')
  else if (slug === undefined || !SLUG.test(slug)) {
    problems.add(['slug'], `invalid slug ${describe(v)}: use lower-case letters, digits and '-', starting with a letter or digit`)
  }
  return slug ?? ''
}

function checkString(problems: Problems, m: EdnMap, key: string, required: boolean): string | undefined {
  const v = get(m, key)
  if (typeof v === 'string') return v
  if (v === undefined && required) problems.add([key], `missing :${key} (a string)`, key)
  else if (v !== undefined) problems.add([key], `:${key} must be a string, not ${describe(v)}`)
  return undefined
}

/** The `:flow` list, unwrapping `(quote (…))` as `'(…)` is read; undefined when unusable. */
function flowBody(problems: Problems, v: Value | undefined): {form: List; at: Path} | undefined {
  if (v === undefined) {
    problems.add(['flow'], 'missing :flow, the body of the flow (a list like (let [input (flow/input)] …))', 'flow')
    return undefined
  }
  if (v instanceof List && v.items[0] === Sym.of('quote') && v.items.length === 2 && v.items[1] instanceof List) {
    return {form: v.items[1], at: ['flow', 1]}
  }
  if (v instanceof List && v.items.length > 0) return {form: v, at: ['flow']}
  problems.add(['flow'], `:flow must be a list (code like (let [input (flow/input)] …)), not ${describe(v)}`)
  return undefined
}
