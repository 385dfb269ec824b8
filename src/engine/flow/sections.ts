/**
 * Checks for the top-level sections of a flow map other than `:flow` itself: concurrency,
 * triggers, requires, templates and functions. Each returns its part of the FlowDefinition
 * and adds problems for whatever does not fit SPEC §3/§5.
 */
import {readEdnWithPositions, type PositionedValue} from '../edn/read.js'
import {checkFunctionSymbols} from './symbols.js'
import {Keyword, List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {checkCron} from './cron.js'
import {problemsOf, type Path, type Problems} from './problems.js'
import {describe, get, isPositiveInteger, keywordList, nameOf} from './schema.js'
import type {Concurrency, FunctionDef, OnConflict, Requirement, Trigger} from './types.js'

/** Check that `v` is one of `allowed` keyword names; returns the name or the default. */
function oneOf<T extends string>(problems: Problems, at: Path, v: Value | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback
  const name = v instanceof Keyword ? v.name : undefined
  if (name !== undefined && (allowed as readonly string[]).includes(name)) return name as T
  problems.add(at, `must be one of ${keywordList(allowed)}, not ${describe(v)}`)
  return fallback
}

/** A vector of maps (or absent); adds a problem and returns [] otherwise. */
export function vectorOfMaps(problems: Problems, at: Path, v: Value | undefined, what: string): [EdnMap, Path][] {
  if (v === undefined) return []
  if (!Array.isArray(v)) {
    problems.add(at, `must be a vector of ${what} maps, not ${describe(v)}`)
    return []
  }
  const out: [EdnMap, Path][] = []
  v.forEach((item, i) => {
    if (item instanceof Map) out.push([item, [...at, i]])
    else problems.add([...at, i], `must be a ${what} map, not ${describe(item)}`)
  })
  return out
}

const CONCURRENCY_TYPES = ['unlimited', 'singleton', 'keyed'] as const
const ON_CONFLICT = ['queue', 'skip', 'cancel-previous'] as const
/** `:coexist` is Breyta's name for letting runs on older versions finish (= :drain). */
const ON_NEW_VERSION = ['drain', 'supersede', 'coexist'] as const

export function checkConcurrency(problems: Problems, v: Value | undefined): Concurrency {
  const at: Path = ['concurrency']
  if (v === undefined) return {type: 'unlimited', onNewVersion: 'drain'}
  if (!(v instanceof Map)) {
    problems.add(at, `must be a map like {:type :singleton :on-conflict :queue}, not ${describe(v)}`)
    return {type: 'unlimited', onNewVersion: 'drain'}
  }
  const type = oneOf(problems, [...at, 'type'], get(v, 'type'), CONCURRENCY_TYPES, 'unlimited')
  const policy = oneOf(problems, [...at, 'on-new-version'], get(v, 'on-new-version'), ON_NEW_VERSION, 'drain')
  const onNewVersion = policy === 'coexist' ? 'drain' : policy
  if (type === 'unlimited') return {type, onNewVersion}
  const onConflict: OnConflict = oneOf(problems, [...at, 'on-conflict'], get(v, 'on-conflict'), ON_CONFLICT, 'queue')
  if (type === 'singleton') return {type, onConflict, onNewVersion}
  const max = get(v, 'max')
  if (max !== undefined && !isPositiveInteger(max)) problems.add([...at, 'max'], `must be a positive integer, not ${describe(max)}`)
  // Breyta's `:key-field :pr` is `:key [:pr]`.
  const keyField = get(v, 'key-field')
  const key = get(v, 'key') ?? (keyField instanceof Keyword ? [keyField] : keyField)
  return {
    type,
    key: checkConcurrencyKey(problems, [...at, get(v, 'key') === undefined && keyField !== undefined ? 'key-field' : 'key'], key),
    max: isPositiveInteger(max) ? Number(max) : 1,
    onConflict,
    onNewVersion,
  }
}

/** `:key [:repo [:pr :number]]` → [['repo'], ['pr', 'number']]. */
function checkConcurrencyKey(problems: Problems, at: Path, v: Value | undefined): string[][] {
  const usage = 'a vector of input paths, each a keyword or a vector of keywords, like [:repo [:pr :number]]'
  if (!Array.isArray(v) || v.length === 0) {
    problems.add(at, v === undefined ? `keyed concurrency needs :key, ${usage}` : `must be ${usage}`)
    return []
  }
  const paths: string[][] = []
  v.forEach((entry, i) => {
    const path =
      entry instanceof Keyword
        ? [entry.name]
        : Array.isArray(entry) && entry.length > 0 && entry.every((k) => k instanceof Keyword)
          ? entry.map((k) => (k as Keyword).name)
          : undefined
    if (path === undefined) problems.add([...at, i], `must be a keyword or a vector of keywords, not ${describe(entry)}`)
    else paths.push(path)
  })
  return paths
}

const TRIGGER_TYPES = ['manual', 'schedule', 'webhook'] as const

export function checkTriggers(problems: Problems, v: Value | undefined): Trigger[] {
  const triggers: Trigger[] = []
  for (const [m, at] of vectorOfMaps(problems, ['triggers'], v, 'trigger')) {
    const type = get(m, 'type')
    const name = type instanceof Keyword ? type.name : undefined
    if (name === 'manual') triggers.push({type: 'manual'})
    else if (name === 'schedule') triggers.push(checkSchedule(problems, at, m))
    else if (name === 'webhook') triggers.push(checkWebhook(problems, at, m))
    else
      problems.add(
        [...at, 'type'],
        `${type === undefined ? 'missing :type' : `unknown trigger type ${describe(type)}`}: use one of ${keywordList(TRIGGER_TYPES)}`,
      )
  }
  return triggers
}

export function checkSchedule(problems: Problems, at: Path, m: EdnMap): Trigger {
  const cron = get(m, 'cron')
  const timezone = get(m, 'timezone')
  const input = get(m, 'input')
  if (timezone !== undefined && typeof timezone !== 'string')
    problems.add([...at, 'timezone'], `must be a timezone name string like "Europe/Oslo", not ${describe(timezone)}`)
  const tz = typeof timezone === 'string' ? timezone : undefined
  if (typeof cron !== 'string')
    problems.add([...at, 'cron'], cron === undefined ? 'a schedule trigger needs :cron, like "0 9 * * 1-5"' : `must be a cron string, not ${describe(cron)}`)
  else {
    const problem = checkCron(cron, tz)
    if (problem !== undefined) problems.add([...at, problem.startsWith('unknown timezone') ? 'timezone' : 'cron'], problem)
  }
  const trigger: Trigger = {type: 'schedule', cron: typeof cron === 'string' ? cron : ''}
  if (tz !== undefined) trigger.timezone = tz
  if (input !== undefined) trigger.input = input
  return trigger
}

export function checkWebhook(problems: Problems, at: Path, m: EdnMap): Trigger {
  const secret = get(m, 'secret')
  if (secret === undefined) return {type: 'webhook'}
  const name = nameOf(secret)
  if (name === undefined) problems.add([...at, 'secret'], `must name a secret (a keyword like :hook-secret), not ${describe(secret)}`)
  return name === undefined ? {type: 'webhook'} : {type: 'webhook', secret: name}
}

export function checkRequires(problems: Problems, v: Value | undefined): Requirement[] {
  const out: Requirement[] = []
  for (const [m, at] of vectorOfMaps(problems, ['requires'], v, 'requirement')) {
    const slot = nameOf(get(m, 'slot'))
    if (slot === undefined) {
      problems.add([...at, 'slot'], 'a requirement needs :slot, the name steps use as :connection')
      continue
    }
    const type = nameOf(get(m, 'type'))
    out.push(type === undefined ? {slot, raw: m} : {slot, type, raw: m})
  }
  return out
}

/** Report a second entry with an id already seen; returns whether the id is new. */
function uniqueId(problems: Problems, seen: Map<string, Path>, id: string, at: Path, what: string): boolean {
  const first = seen.get(id)
  if (first === undefined) {
    seen.set(id, at)
    return true
  }
  const pos = problems.locate(first)
  problems.add(at, `duplicate ${what} id :${id}${pos ? ` (first at ${pos.line}:${pos.column})` : ''}`)
  return false
}

export function checkTemplates(problems: Problems, v: Value | undefined): Map<string, string> {
  const out = new Map<string, string>()
  const seen = new Map<string, Path>()
  for (const [m, at] of vectorOfMaps(problems, ['templates'], v, 'template')) {
    const id = nameOf(get(m, 'id'))
    const content = get(m, 'content')
    if (id === undefined) problems.add([...at, 'id'], 'a template needs :id (a keyword)')
    if (typeof content !== 'string')
      problems.add([...at, 'content'], content === undefined ? 'a template needs :content (a string)' : `must be a string, not ${describe(content)}`)
    if (id !== undefined && uniqueId(problems, seen, id, [...at, 'id'], 'template') && typeof content === 'string') out.set(id, content)
  }
  return out
}

export function checkFunctions(problems: Problems, v: Value | undefined): Map<string, FunctionDef> {
  const out = new Map<string, FunctionDef>()
  const seen = new Map<string, Path>()
  for (const [m, at] of vectorOfMaps(problems, ['functions'], v, 'function')) {
    const id = nameOf(get(m, 'id'))
    if (id === undefined) problems.add([...at, 'id'], 'a function needs :id (a keyword)')
    const language = get(m, 'language')
    if (language !== undefined && !(language instanceof Keyword && language.name === 'clojure'))
      problems.add([...at, 'language'], `must be :clojure, not ${describe(language)}`)
    const code = get(m, 'code')
    const codeOk = checkFunctionCode(problems, [...at, 'code'], code)
    if (id !== undefined && uniqueId(problems, seen, id, [...at, 'id'], 'function') && codeOk) out.set(id, {id, language: 'clojure', code: code as string})
  }
  return out
}

/** `:code` must read as one `(fn [args] body…)` form; read errors point into the file. */
function checkFunctionCode(problems: Problems, at: Path, code: Value | undefined): boolean {
  if (typeof code !== 'string') {
    problems.add(at, code === undefined ? 'a function needs :code, a string like "(fn [input] ...)"' : `must be a string, not ${describe(code)}`)
    return false
  }
  let read: PositionedValue
  try {
    read = readEdnWithPositions(code, {code: true})
  } catch (err) {
    const found = problemsOf(err)
    if (found === undefined) throw err
    for (const p of found) {
      const inside = p.line === undefined ? undefined : problems.locator.positionInString?.(at, p.line, p.column ?? 1)
      problems.addAt(inside ?? problems.locate(at), at.join('.'), `code does not read: ${p.message}`)
    }
    return false
  }
  if (!isFnForm(read.value)) {
    problems.add(at, 'code must be one (fn [args] body) form')
    return false
  }
  // An unbound name is its own problem; the function still exists for :ref checks.
  checkFunctionSymbols(problems, read.value, at, (path) => read.positionOf(path))
  return true
}

function isFnForm(v: Value): boolean {
  if (!(v instanceof List) || v.items[0] !== Sym.of('fn')) return false
  const params = v.items[1] instanceof Sym ? v.items[2] : v.items[1]
  return Array.isArray(params)
}
