/**
 * Checks on a step's literal config map: the keys every step takes (SPEC §4: `:timeout`,
 * `:retry`), references to the flow's functions, templates and connections, and the step
 * family's own `check`.
 */
import {List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {stepExecutor} from '../steps/registry.js'
import {durationProblem} from './duration.js'
import {checkKeys, stepKeys} from './keys.js'
import type {Path, Problems} from './problems.js'
import {describe, get, isPositiveInteger, nameOf} from './schema.js'

/** What names a step may refer to. */
export interface StepRefs {
  functions: ReadonlySet<string>
  templates: ReadonlySet<string>
  /** Known connection names plus `:requires` slots; undefined means do not check. */
  connections?: ReadonlySet<string>
}

export interface StepSite {
  type: string
  config: EdnMap
  /** Path of the config map. */
  at: Path
  /** Displayed path, e.g. "flow[fetch]". */
  label: string
}

const RETRY_KEYS = new Set(['max-attempts', 'backoff', 'factor'])

/** A symbol or call: computed at run time, not checkable here. */
function computed(v: Value | undefined): boolean {
  return v instanceof Sym || v instanceof List
}

export function checkStepConfig(problems: Problems, site: StepSite, refs: StepRefs): void {
  const add = (key: string, message: string): void => problems.add([...site.at, key], message, `${site.label}.${key}`)
  const timeout = get(site.config, 'timeout')
  if (timeout !== undefined && !computed(timeout)) {
    const p = durationProblem(timeout)
    if (p !== undefined) add('timeout', p)
  }
  checkRetry(get(site.config, 'retry'), add)
  const known = stepKeys(site.type)
  if (known !== undefined) checkKeys(problems, site.config, known, site.at, `:${site.type} step`, (key) => `${site.label}.${key}`)
  checkRefs(site, refs, add)
  for (const message of executorProblems(site)) problems.add(site.at, message, site.label)
}

function checkRetry(retry: Value | undefined, add: (key: string, message: string) => void): void {
  if (retry === undefined || computed(retry)) return
  if (!(retry instanceof Map)) return add('retry', `must be a map like {:max-attempts 3 :backoff "1s" :factor 2}, not ${describe(retry)}`)
  for (const k of retry.keys()) {
    const name = nameOf(k)
    if (name === undefined || !RETRY_KEYS.has(name)) add('retry', `unknown :retry key ${describe(k)} (use :max-attempts, :backoff, :factor)`)
  }
  const attempts = literal(retry, 'max-attempts')
  if (attempts !== undefined && !isPositiveInteger(attempts)) add('retry', `:max-attempts must be a positive integer, not ${describe(attempts)}`)
  const backoff = literal(retry, 'backoff')
  const backoffProblem = backoff === undefined ? undefined : durationProblem(backoff)
  if (backoffProblem !== undefined) add('retry', `:backoff: ${backoffProblem}`)
  const factor = literal(retry, 'factor')
  if (factor !== undefined && !(typeof factor === 'number' && factor >= 1)) add('retry', `:factor must be a number of at least 1, not ${describe(factor)}`)
}

/** A key's value when the config writes it out; undefined when absent or computed at run time. */
function literal(m: EdnMap, key: string): Value | undefined {
  const v = get(m, key)
  return v === undefined || computed(v) ? undefined : v
}

function checkRefs(site: StepSite, refs: StepRefs, add: (key: string, message: string) => void): void {
  const list = (names: Iterable<string>): string => {
    const all = [...names]
    return all.length === 0 ? 'none are defined' : 'known: ' + all.map((n) => ':' + n).join(', ')
  }
  const ref = nameOf(get(site.config, 'ref'))
  if (site.type === 'function' && ref !== undefined && !refs.functions.has(ref)) add('ref', `unknown function :${ref} (${list(refs.functions)})`)
  const template = nameOf(get(site.config, 'template'))
  if (template !== undefined && !refs.templates.has(template)) add('template', `unknown template :${template} (${list(refs.templates)})`)
  const connection = nameOf(get(site.config, 'connection'))
  if (connection !== undefined && refs.connections !== undefined && !refs.connections.has(connection)) {
    add('connection', `unknown connection :${connection}: add it to connections.edn or to :requires (${list(refs.connections)})`)
  }
}

/** The step family's own checks; a check that throws is reported rather than crashing validation. */
function executorProblems(site: StepSite): string[] {
  const check = stepExecutor(site.type)?.check
  if (check === undefined) return []
  try {
    return check.call(stepExecutor(site.type), site.config)
  } catch (err) {
    return [(err as Error).message]
  }
}
