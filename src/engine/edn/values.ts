/**
 * The in-memory model of EDN data, shared by the reader, the interpreter, the steps and the
 * journal codec.
 *
 *   nil → null            true/false → boolean     1, 1.5 → number     1N / big → bigint
 *   "s" → string          :kw → Keyword (interned) sym → Sym           [..] → Array
 *   (..) → List           {..} → Map               #{..} → Set         #inst → Date
 *   #tag v → Tagged       \c → string (one character)
 *
 * Keywords are interned, so Map lookups by keyword work by identity. Composite map keys
 * (vectors, maps) are looked up by value through `mapGet`.
 */

export class Keyword {
  private static readonly table = new Map<string, Keyword>()
  private constructor(readonly name: string) {}

  /** The one Keyword for `name` (without the leading colon; may contain a namespace, `ns/n`). */
  static of(name: string): Keyword {
    let k = Keyword.table.get(name)
    if (k === undefined) {
      k = new Keyword(name)
      Keyword.table.set(name, k)
    }
    return k
  }

  toString(): string {
    return ':' + this.name
  }
}

export class Sym {
  private static readonly table = new Map<string, Sym>()
  private constructor(readonly name: string) {}

  static of(name: string): Sym {
    let s = Sym.table.get(name)
    if (s === undefined) {
      s = new Sym(name)
      Sym.table.set(name, s)
    }
    return s
  }

  toString(): string {
    return this.name
  }
}

/** An EDN list. Code is made of lists; runtime sequence functions return arrays. */
export class List {
  constructor(readonly items: Value[]) {}
}

/** A tagged literal other than #inst, kept as read (e.g. #uuid "…"). */
export class Tagged {
  constructor(
    readonly tag: string,
    readonly value: Value,
  ) {}
}

export type EdnMap = Map<Value, Value>
export type EdnSet = Set<Value>

/** Anything callable from flow code (built-ins and closures); the interpreter defines more. */
export interface Callable {
  readonly callable: true
  readonly name?: string
}

export type Value = null | boolean | number | bigint | string | Keyword | Sym | List | Tagged | Date | Value[] | EdnMap | EdnSet | Callable

export const kw = Keyword.of
export const sym = Sym.of

export function isKeyword(v: unknown): v is Keyword {
  return v instanceof Keyword
}

export function isMap(v: unknown): v is EdnMap {
  return v instanceof Map
}

export function isSet(v: unknown): v is EdnSet {
  return v instanceof Set
}

export function isVector(v: unknown): v is Value[] {
  return Array.isArray(v)
}

export function isCallable(v: unknown): v is Callable {
  return typeof v === 'object' && v !== null && (v as {callable?: unknown}).callable === true
}

/** Build a map with keyword keys from a plain object: `emap({a: 1})` is `{:a 1}`. */
export function emap(entries: Record<string, Value>): EdnMap {
  const m: EdnMap = new Map()
  for (const [k, v] of Object.entries(entries)) m.set(Keyword.of(k), v)
  return m
}

function isAtomicKey(k: Value): boolean {
  return k === null || typeof k !== 'object' || k instanceof Keyword || k instanceof Sym
}

/** Map lookup with value equality for composite keys. */
export function mapGet(m: EdnMap, key: Value): Value | undefined {
  if (isAtomicKey(key)) return m.get(key)
  for (const [k, v] of m) if (equals(k, key)) return v
  return undefined
}

export function mapHas(m: EdnMap, key: Value): boolean {
  return mapGet(m, key) !== undefined || (isAtomicKey(key) ? m.has(key) : [...m.keys()].some((k) => equals(k, key)))
}

/** Return a new map with key set (value equality for composite keys). */
export function mapAssoc(m: EdnMap, key: Value, value: Value): EdnMap {
  const out = new Map(m)
  if (!isAtomicKey(key)) {
    for (const k of out.keys()) {
      if (equals(k, key)) {
        out.set(k, value)
        return out
      }
    }
  }
  out.set(key, value)
  return out
}

/** Value lookup by keyword name, the common case in step code: `getIn(config, 'retry')`. */
export function field(m: Value | undefined, name: string): Value | undefined {
  return m instanceof Map ? m.get(Keyword.of(name)) : undefined
}

/** EDN equality: structural for collections, numbers compare across number/bigint. */
// eslint-disable-next-line complexity -- declared exception (eslint.config.js): one case per EDN type, kept side by side so the cases can be checked against each other.
export function equals(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true
  if (a === null || b === null || a === undefined || b === undefined) return false
  if (typeof a === 'number' || typeof a === 'bigint') {
    return (typeof b === 'number' || typeof b === 'bigint') && Number(a) === Number(b)
  }
  if (typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) || a instanceof List) {
    const xs = Array.isArray(a) ? a : a.items
    const ys = Array.isArray(b) ? b : b instanceof List ? b.items : undefined
    if (ys === undefined || xs.length !== ys.length) return false
    for (let i = 0; i < xs.length; i++) if (!equals(xs[i], ys[i])) return false
    return true
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false
    for (const [k, v] of a) {
      const other = mapGet(b, k)
      if (other === undefined && !mapHas(b, k)) return false
      if (!equals(v, other ?? null)) return false
    }
    return true
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false
    outer: for (const x of a) {
      if (b.has(x)) continue
      for (const y of b) if (equals(x, y)) continue outer
      return false
    }
    return true
  }
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime()
  if (a instanceof Tagged) return b instanceof Tagged && a.tag === b.tag && equals(a.value, b.value)
  return false
}
