/**
 * Collections: lookup and "update" (always returning new values), building, counting.
 * Vectors are JS arrays, maps Map, sets Set; nothing is mutated in place.
 */
import {equals, isCallable, Keyword, List, mapAssoc, mapGet, mapHas, type EdnMap, type EdnSet, type Value} from '../edn/values.js'
import {andThen, mapMaybe, type MaybeAsync} from './async.js'
import {def} from './builtins.js'
import {invoke} from './evaluate.js'
import {describe, expectInt, expectMap, isSequential, lookup, mapPut, rejectRefLookup, rejectResourceRef, setAdd, setFind, toSeq, toSet} from './coerce.js'
import type {Ctx} from './env.js'
import {fnError, formText} from './eval-error.js'

def('get', 2, 3, (args) => lookup(args[0]!, args[1]!, args[2] ?? null))

def('get-in', 2, 3, (args) => {
  let v: Value = args[0]!
  const notFound = args[2] ?? null
  for (const k of toSeq(args[1]!, 'get-in')) {
    const next = lookup(v, k, undefined as unknown as Value, 'get-in')
    if (next === undefined) return notFound
    v = next
  }
  return v
})

/** assoc on one collection: maps by key, vectors by index (up to count, which appends). */
function assoc1(name: string, coll: Value, k: Value, v: Value): Value {
  if (coll === null) return new Map([[k, v]])
  if (coll instanceof Map) return mapAssoc(coll, k, v)
  if (Array.isArray(coll)) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > coll.length)
      throw fnError(name, `index ${formText(k)} out of bounds for a vector of ${coll.length}`)
    const out = coll.slice()
    out[k] = v
    return out
  }
  throw fnError(name, `cannot assoc on ${describe(coll)}`)
}

def('assoc', 3, Infinity, (args) => {
  if (args.length % 2 !== 1) throw fnError('assoc', 'expects key/value pairs')
  let coll: Value = args[0]!
  for (let i = 1; i < args.length; i += 2) coll = assoc1('assoc', coll, args[i]!, args[i + 1]!)
  return coll
})

function assocIn(coll: Value, path: readonly Value[], v: Value): Value {
  if (path.length === 0) return v
  const [k, ...rest] = path
  return assoc1('assoc-in', coll, k!, assocIn(lookup(coll, k!, null), rest, v))
}

def('assoc-in', 3, 3, (args) => assocIn(args[0]!, toSeq(args[1]!, 'assoc-in'), args[2]!))

def('dissoc', 1, Infinity, (args) => {
  if (args[0] === null) return null
  const m = new Map(expectMap(args[0]!, 'dissoc'))
  for (const k of args.slice(1)) {
    if (m.delete(k)) continue
    for (const existing of m.keys()) if (equals(existing, k)) m.delete(existing)
  }
  return m
})

function update(coll: Value, k: Value, f: Value, extra: Value[], ctx: Ctx): MaybeAsync {
  return andThen(invoke(f, [lookup(coll, k, null), ...extra], ctx), (v) => assoc1('update', coll, k, v))
}

def('update', 3, Infinity, (args, ctx) => update(args[0]!, args[1]!, args[2]!, args.slice(3), ctx))

function updateIn(coll: Value, path: readonly Value[], f: Value, extra: Value[], ctx: Ctx): MaybeAsync {
  // As Clojure: an empty path updates the key nil.
  const [k = null, ...rest] = path
  if (rest.length === 0) return update(coll, k, f, extra, ctx)
  return andThen(updateIn(lookup(coll, k, null), rest, f, extra, ctx), (v) => assoc1('update-in', coll, k, v))
}

def('update-in', 3, Infinity, (args, ctx) => updateIn(args[0]!, toSeq(args[1]!, 'update-in'), args[2]!, args.slice(3), ctx))

def('merge', 0, Infinity, (args) => {
  const maps = args.filter((m) => m !== null)
  if (maps.length === 0) return null
  const out: EdnMap = new Map(expectMap(maps[0]!, 'merge'))
  for (const m of maps.slice(1)) for (const [k, v] of expectMap(m, 'merge')) mapPut(out, k, v)
  return out
})

def('merge-with', 1, Infinity, (args, ctx) => {
  const f = args[0]!
  const maps = args.slice(1).filter((m) => m !== null)
  if (maps.length === 0) return null
  const entries: [Value, Value][] = maps.slice(1).flatMap((m) => [...expectMap(m, 'merge-with')])
  const step = (acc: EdnMap, [k, v]: [Value, Value]): MaybeAsync<EdnMap> => {
    const existing = mapGet(acc, k)
    if (existing === undefined && !mapHas(acc, k)) return mapAssoc(acc, k, v)
    return andThen(invoke(f, [existing ?? null, v], ctx), (merged) => mapAssoc(acc, k, merged))
  }
  let acc: MaybeAsync<EdnMap> = new Map(expectMap(maps[0]!, 'merge-with'))
  for (const e of entries) acc = andThen(acc, (a) => step(a, e))
  return acc
})

def('select-keys', 2, 2, (args) => {
  const m = expectMap(args[0]!, 'select-keys')
  const out: EdnMap = new Map()
  for (const k of toSeq(args[1]!, 'select-keys')) {
    const v = mapGet(m, k)
    if (v !== undefined || mapHas(m, k)) out.set(k, v ?? null)
  }
  return out
})

def('keys', 1, 1, (args) => {
  const m = expectMap(args[0]!, 'keys')
  return m.size === 0 ? null : [...m.keys()]
})
def('vals', 1, 1, (args) => {
  const m = expectMap(args[0]!, 'vals')
  return m.size === 0 ? null : [...m.values()]
})
def('find', 2, 2, (args) => {
  const m = expectMap(args[0]!, 'find')
  const v = mapGet(m, args[1]!)
  return v !== undefined || mapHas(m, args[1]!) ? [args[1]!, v ?? null] : null
})

export function count(v: Value, name: string): number {
  rejectResourceRef(v, name)
  if (v === null) return 0
  if (typeof v === 'string' || Array.isArray(v)) return v.length
  if (v instanceof List) return v.items.length
  if (v instanceof Map || v instanceof Set) return v.size
  throw fnError(name, `expected a collection, got ${describe(v)}`)
}

def('count', 1, 1, (args) => count(args[0]!, 'count'))
def('empty?', 1, 1, (args) => count(args[0]!, 'empty?') === 0)
def('not-empty', 1, 1, (args) => (count(args[0]!, 'not-empty') === 0 ? null : args[0]!))

def('contains?', 2, 2, (args) => {
  const [c, k] = args as [Value, Value]
  if (c === null) return false
  if (c instanceof Map) {
    rejectRefLookup(c, k, 'contains?')
    return mapHas(c, k)
  }
  if (c instanceof Set) return setFind(c, k) !== undefined
  if (Array.isArray(c) || typeof c === 'string') return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < c.length
  throw fnError('contains?', `not supported on ${describe(c)}`)
})

/** conj one item: vectors append, lists prepend, sets add, maps take [k v] entries or maps. */
function conj1(coll: Value, x: Value): Value {
  // As Clojure: conj onto nil makes a list, so (conj nil 1 2) is (2 1).
  if (coll === null) return new List([x])
  if (Array.isArray(coll)) return [...coll, x]
  if (coll instanceof List) return new List([x, ...coll.items])
  if (coll instanceof Set) {
    const s: EdnSet = new Set(coll)
    setAdd(s, x)
    return s
  }
  if (coll instanceof Map) {
    if (x === null) return coll
    if (x instanceof Map) return new Map([...coll, ...x])
    if (isSequential(x) && toSeq(x, 'conj').length === 2) {
      const [k, v] = toSeq(x, 'conj')
      return mapAssoc(coll, k!, v!)
    }
    throw fnError('conj', `a map takes [key value] entries, got ${describe(x)}`)
  }
  throw fnError('conj', `cannot conj onto ${describe(coll)}`)
}

/** conj many without copying a vector once per item. */
export function conjAll(coll: Value, xs: readonly Value[]): Value {
  if (Array.isArray(coll)) return coll.concat(xs)
  let out: Value = coll
  for (const x of xs) out = conj1(out, x)
  return out
}

def('conj', 0, Infinity, (args) => (args.length === 0 ? [] : conjAll(args[0]!, args.slice(1))))
def('into', 2, 2, (args) => conjAll(args[0]!, toSeq(args[1]!, 'into')))
def('empty', 1, 1, (args) => {
  const c = args[0]!
  if (Array.isArray(c)) return []
  if (c instanceof List) return new List([])
  if (c instanceof Map) return new Map()
  if (c instanceof Set) return new Set()
  return null
})

def('vec', 1, 1, (args) => toSeq(args[0]!, 'vec').slice())
def('vector', 0, Infinity, (args) => args)
def('list', 0, Infinity, (args) => new List(args))
def('set', 1, 1, (args) => toSet(args[0]!, 'set'))
def('hash-set', 0, Infinity, (args) => {
  const s: EdnSet = new Set()
  for (const x of args) setAdd(s, x)
  return s
})
def('hash-map', 0, Infinity, (args) => {
  if (args.length % 2 !== 0) throw fnError('hash-map', 'expects key/value pairs')
  const m: EdnMap = new Map()
  for (let i = 0; i < args.length; i += 2) mapPut(m, args[i]!, args[i + 1]!)
  return m
})
def('zipmap', 2, 2, (args) => {
  const ks = toSeq(args[0]!, 'zipmap')
  const vs = toSeq(args[1]!, 'zipmap')
  const m: EdnMap = new Map()
  for (let i = 0; i < Math.min(ks.length, vs.length); i++) mapPut(m, ks[i]!, vs[i]!)
  return m
})

def('first', 1, 1, (args) => toSeq(args[0]!, 'first')[0] ?? null)
def('second', 1, 1, (args) => toSeq(args[0]!, 'second')[1] ?? null)
def('last', 1, 1, (args) => toSeq(args[0]!, 'last').at(-1) ?? null)
def('rest', 1, 1, (args) => toSeq(args[0]!, 'rest').slice(1))
def('next', 1, 1, (args) => {
  const xs = toSeq(args[0]!, 'next')
  return xs.length > 1 ? xs.slice(1) : null
})
def('butlast', 1, 1, (args) => {
  const xs = toSeq(args[0]!, 'butlast')
  return xs.length > 1 ? xs.slice(0, -1) : null
})
def('seq', 1, 1, (args) => {
  const xs = toSeq(args[0]!, 'seq')
  return xs.length === 0 ? null : xs.slice()
})
def('peek', 1, 1, (args) => {
  const c = args[0]!
  if (c instanceof List) return c.items[0] ?? null
  return toSeq(c, 'peek').at(-1) ?? null
})
def('nth', 2, 3, (args) => {
  if (args[0] === null) return args[2] ?? null
  const xs = toSeq(args[0]!, 'nth')
  const i = expectInt(args[1]!, 'nth')
  if (i >= 0 && i < xs.length) return xs[i]!
  if (args.length === 3) return args[2]!
  throw fnError('nth', `index ${i} out of bounds (count ${xs.length})`)
})
def('subvec', 2, 3, (args) => {
  const xs = toSeq(args[0]!, 'subvec')
  const start = expectInt(args[1]!, 'subvec')
  const end = args.length === 3 ? expectInt(args[2]!, 'subvec') : xs.length
  if (start < 0 || end > xs.length || start > end) throw fnError('subvec', `range ${start}..${end} out of bounds (count ${xs.length})`)
  return xs.slice(start, end)
})
def('cons', 2, 2, (args) => [args[0]!, ...toSeq(args[1]!, 'cons')])
def('concat', 0, Infinity, (args) => args.flatMap((a) => toSeq(a, 'concat')))

def('fn?', 1, 1, (args) => isCallable(args[0]))

/** A map entry is a [k v] vector here (maps seq as entries), so key and val take its halves. */
function entry(v: Value, name: string): readonly Value[] {
  if (!isSequential(v) || toSeq(v, name).length !== 2) throw fnError(name, `expected a map entry, got ${describe(v)}`)
  return toSeq(v, name)
}
def('key', 1, 1, (args) => entry(args[0]!, 'key')[0]!)
def('val', 1, 1, (args) => entry(args[0]!, 'val')[1]!)

def('disj', 1, Infinity, (args) => {
  const s = args[0]!
  if (s === null) return null
  if (!(s instanceof Set)) throw fnError('disj', `expected a set, got ${describe(s)}`)
  const out: EdnSet = new Set()
  for (const x of s) if (!args.slice(1).some((d) => equals(d, x))) out.add(x)
  return out
})

def('update-vals', 2, 2, (args, ctx) => {
  const entries = [...expectMap(args[0]!, 'update-vals')]
  return andThen(
    mapMaybe(entries, ([, v]) => invoke(args[1]!, [v], ctx)),
    (vs) => new Map(entries.map(([k], i) => [k, vs[i]!])),
  )
})

def('update-keys', 2, 2, (args, ctx) => {
  const entries = [...expectMap(args[0]!, 'update-keys')]
  return andThen(
    mapMaybe(entries, ([k]) => invoke(args[1]!, [k], ctx)),
    (ks) => {
      const m: EdnMap = new Map()
      entries.forEach(([, v], i) => mapPut(m, ks[i]!, v))
      return m
    },
  )
})
