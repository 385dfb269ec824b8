/**
 * clojure.set: relational helpers over sets of values and sets (or seqs) of maps ("relations").
 * Results are sets, as in Clojure; a nil argument counts as the empty set where Clojure allows it.
 */
import {equals, type EdnMap, type EdnSet, type Value} from '../edn/values.js'
import {andThen} from './async.js'
import {def} from './builtins.js'
import {invoke} from './evaluate.js'
import {describe, expectMap, lookup, mapPut, setAdd, setFind, toSeq, toSet, truthy} from './coerce.js'
import {fnError} from './eval-error.js'
import {mapMaybe} from './async.js'

function defSet(name: string, min: number, max: number, impl: Parameters<typeof def>[3]): void {
  def(`clojure.set/${name}`, min, max, impl)
}

defSet('union', 0, Infinity, (args) => {
  const out: EdnSet = new Set()
  for (const a of args) for (const x of toSet(a, 'clojure.set/union')) setAdd(out, x)
  return out
})

defSet('intersection', 1, Infinity, (args) => {
  const sets = args.map((a) => toSet(a, 'clojure.set/intersection'))
  const out: EdnSet = new Set()
  for (const x of sets[0]!) if (sets.slice(1).every((s) => setFind(s, x) !== undefined)) out.add(x)
  return out
})

defSet('difference', 1, Infinity, (args) => {
  const sets = args.map((a) => toSet(a, 'clojure.set/difference'))
  const out: EdnSet = new Set()
  for (const x of sets[0]!) if (!sets.slice(1).some((s) => setFind(s, x) !== undefined)) out.add(x)
  return out
})

defSet('subset?', 2, 2, (args) => {
  const b = toSet(args[1]!, 'clojure.set/subset?')
  return [...toSet(args[0]!, 'clojure.set/subset?')].every((x) => setFind(b, x) !== undefined)
})

defSet('superset?', 2, 2, (args) => {
  const a = toSet(args[0]!, 'clojure.set/superset?')
  return [...toSet(args[1]!, 'clojure.set/superset?')].every((x) => setFind(a, x) !== undefined)
})

defSet('select', 2, 2, (args, ctx) => {
  const xs = [...toSet(args[1]!, 'clojure.set/select')]
  return andThen(
    mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
    (rs) => new Set(xs.filter((_, i) => truthy(rs[i]!))),
  )
})

function relation(v: Value, name: string): EdnMap[] {
  return toSeq(v, name).map((x) => {
    if (!(x instanceof Map)) throw fnError(name, `expected a set of maps, got an item ${describe(x)}`)
    return x
  })
}

function selectKeys(m: EdnMap, ks: readonly Value[]): EdnMap {
  const out: EdnMap = new Map()
  for (const k of ks) {
    const v = lookup(m, k, undefined as unknown as Value)
    if (v !== undefined) mapPut(out, k, v)
  }
  return out
}

defSet('project', 2, 2, (args) => {
  const ks = toSeq(args[1]!, 'clojure.set/project')
  const out: EdnSet = new Set()
  for (const m of relation(args[0]!, 'clojure.set/project')) setAdd(out, selectKeys(m, ks))
  return out
})

function renameKeys(m: EdnMap, kmap: EdnMap): EdnMap {
  const out: EdnMap = new Map()
  for (const [k, v] of m) if (![...kmap.keys()].some((old) => equals(old, k))) mapPut(out, k, v)
  for (const [old, next] of kmap) {
    const v = lookup(m, old, undefined as unknown as Value)
    if (v !== undefined) mapPut(out, next, v)
  }
  return out
}

defSet('rename-keys', 2, 2, (args) =>
  args[0] === null ? null : renameKeys(expectMap(args[0]!, 'clojure.set/rename-keys'), expectMap(args[1]!, 'clojure.set/rename-keys')),
)

defSet('rename', 2, 2, (args) => {
  const kmap = expectMap(args[1]!, 'clojure.set/rename')
  const out: EdnSet = new Set()
  for (const m of relation(args[0]!, 'clojure.set/rename')) setAdd(out, renameKeys(m, kmap))
  return out
})

defSet('map-invert', 1, 1, (args) => {
  const out: EdnMap = new Map()
  for (const [k, v] of expectMap(args[0]!, 'clojure.set/map-invert')) mapPut(out, v, k)
  return out
})

defSet('index', 2, 2, (args) => {
  const ks = toSeq(args[1]!, 'clojure.set/index')
  const out: EdnMap = new Map()
  for (const m of relation(args[0]!, 'clojure.set/index')) {
    const key = selectKeys(m, ks)
    const group = lookup(out, key, null) as EdnSet | null
    if (group === null) mapPut(out, key, new Set([m]))
    else setAdd(group, m)
  }
  return out
})

/** Natural join on the keys both relations share, or on a key map {left-key right-key}. */
defSet('join', 2, 3, (args) => {
  const xs = relation(args[0]!, 'clojure.set/join')
  const ys = relation(args[1]!, 'clojure.set/join')
  const out: EdnSet = new Set()
  if (xs.length === 0 || ys.length === 0) return out
  const km: [Value, Value][] =
    args.length === 3
      ? [...expectMap(args[2]!, 'clojure.set/join')]
      : [...xs[0]!.keys()].filter((k) => lookup(ys[0]!, k, undefined as unknown as Value) !== undefined).map((k) => [k, k])
  for (const x of xs) {
    for (const y of ys) {
      if (!km.every(([a, b]) => equals(lookup(x, a, null), lookup(y, b, null)))) continue
      const m: EdnMap = new Map(x)
      for (const [k, v] of y) mapPut(m, k, v)
      setAdd(out, m)
    }
  }
  return out
})
