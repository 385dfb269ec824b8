/**
 * Small value helpers shared by the evaluator and the core functions: truthiness, sequence
 * views, lookups, `str`, ordering and argument checks that fail with the function's name.
 */
import {printEdn} from '../edn/print.js'
import {equals, isCallable, Keyword, List, mapGet, mapHas, Sym, Tagged, type EdnMap, type EdnSet, type Value} from '../edn/values.js'
import {fnError} from './eval-error.js'

export function truthy(v: Value): boolean {
  return v !== null && v !== false
}

export function typeName(v: Value): string {
  if (v === null) return 'nil'
  if (typeof v !== 'object') return typeof v === 'bigint' ? 'number' : typeof v
  if (v instanceof Keyword) return 'keyword'
  if (v instanceof Sym) return 'symbol'
  if (Array.isArray(v)) return 'vector'
  if (v instanceof List) return 'list'
  if (v instanceof Map) return 'map'
  if (v instanceof Set) return 'set'
  if (v instanceof Date) return 'inst'
  if (v instanceof Tagged) return 'tagged'
  if (isCallable(v)) return 'function'
  return 'value'
}

/** `got 5 (number)` for messages. */
export function describe(v: Value): string {
  const s = printEdn(v)
  return `${s.length > 60 ? s.slice(0, 59) + '…' : s} (${typeName(v)})`
}

/**
 * A step output too large to keep inline travels as `{:ref "res://…" :size N :content-type …}`
 * (runtime/resources.ts). Treating that map as data where its content was meant would silently
 * answer with its keys (a count of 3, a seq of entries, "{:ref …}" as text), and the body cannot
 * read the content (no I/O here), so every coercion below says what it is and how to get at the
 * content. Only :ref, :size and :content-type stay readable: flows pass refs on to steps.
 */
export function isResourceRef(v: Value): v is EdnMap {
  if (!(v instanceof Map) || v.size !== 3) return false
  const ref = mapGet(v, Keyword.of('ref'))
  return typeof ref === 'string' && ref.startsWith('res://') && mapHas(v, Keyword.of('size')) && mapHas(v, Keyword.of('content-type'))
}

const REF_KEYS = new Set(['ref', 'size', 'content-type'])

/** Throws the resource-ref error when `v` is a ref map; `fname` names the function in it. */
export function rejectResourceRef(v: Value, fname: string): void {
  if (!isResourceRef(v)) return
  const ref = mapGet(v, Keyword.of('ref')) as string
  const size = mapGet(v, Keyword.of('size'))
  throw fnError(
    fname,
    `got a resource ref (${ref}, ${String(size)} bytes) where its content was meant: large step outputs are stored as resources; pass the ref in a step's config (steps receive the content, e.g. a :function step's :input), or use its :ref, :size or :content-type`,
  )
}

/** A lookup of `key` in a ref map is fine for its own keys, an error for anything else. */
export function rejectRefLookup(coll: Value, key: Value, fname: string): void {
  if (key instanceof Keyword && REF_KEYS.has(key.name)) return
  rejectResourceRef(coll, fname)
}

export function isSeqable(v: Value): boolean {
  return v === null || typeof v === 'string' || Array.isArray(v) || v instanceof List || v instanceof Map || v instanceof Set
}

export function isSequential(v: Value): v is Value[] | List {
  return Array.isArray(v) || v instanceof List
}

/**
 * A collection as an array of its items, without copying vectors (callers must not
 * mutate). Maps give `[k v]` entries, strings their characters.
 */
export function toSeq(v: Value, fname: string): readonly Value[] {
  if (v === null) return []
  rejectResourceRef(v, fname)
  if (Array.isArray(v)) return v
  if (v instanceof List) return v.items
  if (v instanceof Set) return [...v]
  if (v instanceof Map) return [...v].map(([k, val]) => [k, val])
  // UTF-16 units, as ClojureScript and count/subs/get: (count (seq "😀")) = (count "😀") = 2.
  if (typeof v === 'string') return v.split('')
  throw fnError(fname, `expected a collection, got ${describe(v)}`)
}

/** `(get coll key not-found)`: maps, vectors by index, sets, strings; else not-found. */
export function lookup(coll: Value, key: Value, notFound: Value, fname = 'get'): Value {
  if (coll instanceof Map) {
    rejectRefLookup(coll, key, fname)
    const v = mapGet(coll, key)
    return v !== undefined ? v : mapHas(coll, key) ? null : notFound
  }
  if (Array.isArray(coll) || typeof coll === 'string') {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < coll.length) return coll[key]!
    return notFound
  }
  if (coll instanceof Set) return setFind(coll, key) ?? notFound
  return notFound
}

/** The member of `s` equal to `x`, or undefined. */
export function setFind(s: EdnSet, x: Value): Value | undefined {
  if (s.has(x)) return x
  if (x !== null && typeof x === 'object' && !(x instanceof Keyword)) for (const y of s) if (equals(x, y)) return y
  return undefined
}

/** Add to a set being built, by value equality. */
export function setAdd(s: EdnSet, x: Value): void {
  if (setFind(s, x) === undefined) s.add(x)
}

/** A set of the seq's values (a set is returned as it is: values are immutable). */
export function toSet(v: Value, name: string): EdnSet {
  if (v instanceof Set) return v
  const s: EdnSet = new Set()
  for (const x of toSeq(v, name)) setAdd(s, x)
  return s
}

/** Put into a map being built, replacing an equal composite key. */
export function mapPut(m: EdnMap, k: Value, v: Value): void {
  if (k !== null && typeof k === 'object' && !(k instanceof Keyword) && !(k instanceof Sym) && !m.has(k)) {
    for (const existing of m.keys()) {
      if (equals(existing, k)) {
        m.set(existing, v)
        return
      }
    }
  }
  m.set(k, v)
}

/** The text of nil (""), strings, numbers, booleans and instants, alike in `str` and templates; undefined for the rest. */
export function scalarText(v: Value): string | undefined {
  if (v === null) return ''
  switch (typeof v) {
    case 'string':
      return v
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v)
    default:
      return v instanceof Date ? v.toISOString() : undefined
  }
}

/** `str` of one value: nil is "", keywords keep their colon, collections print as EDN. */
export function strOf(v: Value, fname = 'str'): string {
  rejectResourceRef(v, fname)
  return scalarText(v) ?? (v instanceof Sym ? v.name : printEdn(v))
}

const TYPE_RANK: Record<string, number> = {nil: 0, boolean: 1, number: 2, string: 3, keyword: 4, symbol: 5, vector: 6, list: 6, inst: 7}

/** Clojure `compare`: nil first, numbers, strings, keywords; vectors by length then items. */
// eslint-disable-next-line complexity -- declared exception (eslint.config.js): one case per EDN type, kept side by side so the cases can be checked against each other.
export function compare(a: Value, b: Value): number {
  if (a === b) return 0
  const ta = typeName(a)
  const tb = typeName(b)
  if (ta !== tb) {
    if (a === null) return -1
    if (b === null) return 1
    if (TYPE_RANK[ta] === undefined || TYPE_RANK[tb] === undefined || !(ta === 'vector' || ta === 'list') || !(tb === 'vector' || tb === 'list')) {
      throw fnError('compare', `cannot compare ${describe(a)} with ${describe(b)}`)
    }
  }
  switch (ta) {
    case 'number':
      return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1
    case 'string':
      return (a as string) < (b as string) ? -1 : 1
    case 'keyword':
    case 'symbol':
      return compareNames((a as Keyword).name, (b as Keyword).name)
    case 'inst':
      return Math.sign((a as Date).getTime() - (b as Date).getTime())
    case 'vector':
    case 'list': {
      const xs = toSeq(a, 'compare')
      const ys = toSeq(b, 'compare')
      if (xs.length !== ys.length) return xs.length < ys.length ? -1 : 1
      for (let i = 0; i < xs.length; i++) {
        const c = compare(xs[i]!, ys[i]!)
        if (c !== 0) return c
      }
      return 0
    }
    default:
      throw fnError('compare', `cannot compare ${describe(a)} with ${describe(b)}`)
  }
}

/** Clojure orders keywords and symbols by namespace first (none before any), then name. */
function compareNames(a: string, b: string): number {
  const [na, xa] = splitName(a)
  const [nb, xb] = splitName(b)
  if (na !== nb) {
    if (na === null) return -1
    if (nb === null) return 1
    return na < nb ? -1 : 1
  }
  return xa < xb ? -1 : xa > xb ? 1 : 0
}

function splitName(s: string): [string | null, string] {
  const slash = s.length > 1 ? s.indexOf('/') : -1
  return slash >= 0 ? [s.slice(0, slash), s.slice(slash + 1)] : [null, s]
}

export function expectNumber(v: Value, fname: string): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v
  throw fnError(fname, `expected a number, got ${describe(v)}`)
}

export function expectInt(v: Value, fname: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'bigint') return Number(v)
  throw fnError(fname, `expected an integer, got ${describe(v)}`)
}

export function expectString(v: Value, fname: string): string {
  if (typeof v === 'string') return v
  rejectResourceRef(v, fname)
  throw fnError(fname, `expected a string, got ${describe(v)}`)
}

/** A map, or an empty one for nil (Clojure's map functions accept nil). */
export function expectMap(v: Value, fname: string): EdnMap {
  if (v instanceof Map) {
    rejectResourceRef(v, fname)
    return v
  }
  if (v === null) return new Map()
  throw fnError(fname, `expected a map, got ${describe(v)}`)
}
