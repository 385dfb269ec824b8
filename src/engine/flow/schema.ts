/** Small shape checks shared by the flow validators. */
import {Keyword, type EdnMap, type Value} from '../edn/values.js'

export const SLUG = /^[a-z0-9][a-z0-9-]*$/

/** A keyword or string as its name (`:gh` and "gh" are both "gh"); undefined otherwise. */
export function nameOf(v: Value | undefined): string | undefined {
  if (v instanceof Keyword) return v.name
  if (typeof v === 'string') return v
  return undefined
}

/** A map entry by keyword name; nil counts as absent. */
export function get(m: EdnMap, key: string): Value | undefined {
  const v = m.get(Keyword.of(key))
  return v === null ? undefined : v
}

/** `[:a :b]` for people: the names of keywords, each with its colon. */
export function keywordList(names: Iterable<string>): string {
  return [...names].map((n) => ':' + n).join(', ')
}

/** A value as a short piece of EDN for a message. */
export function describe(v: Value | undefined): string {
  if (v === undefined) return 'nothing'
  if (v instanceof Keyword) return ':' + v.name
  if (typeof v === 'string') return JSON.stringify(v)
  if (v instanceof Map) return 'a map'
  if (Array.isArray(v)) return 'a vector'
  if (v instanceof Set) return 'a set'
  return typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'a value').toLowerCase() : String(v)
}

export function isPositiveInteger(v: Value | undefined): boolean {
  return (typeof v === 'number' && Number.isInteger(v) && v > 0) || (typeof v === 'bigint' && v > 0n)
}
