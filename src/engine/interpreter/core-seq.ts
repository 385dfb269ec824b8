/**
 * Sequence functions. There are no lazy seqs: every sequence result is a vector (JS array),
 * so (map inc '(1 2)) is [2 3] and (conj (map …) x) appends. Functions passed in may be
 * async closures (a closure may call flow/step); they run sequentially, in order.
 */
import {equals, Keyword, List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {findMaybe, mapMaybe, reduceMaybe, andThen, type MaybeAsync} from './async.js'
import {def} from './builtins.js'
import {invoke, invokeSync} from './evaluate.js'
import {compare, expectInt, expectNumber, isSequential, mapPut, setAdd, toSeq, truthy} from './coerce.js'
import type {Ctx} from './env.js'
import {fnError} from './eval-error.js'
import {Builtin} from './fn-values.js'
import {mapGet} from '../edn/values.js'

/** (map f c1 c2 …): f over items in step, as long as the shortest collection. */
function mapColls(name: string, args: Value[], ctx: Ctx): MaybeAsync<Value[]> {
  const f = args[0]!
  const colls = args.slice(1).map((c) => toSeq(c, name))
  if (colls.length === 1) return mapMaybe(colls[0]!, (x) => invoke(f, [x], ctx))
  const n = Math.min(...colls.map((c) => c.length))
  const idx = Array.from({length: n}, (_, i) => i)
  return mapMaybe(idx, (i) =>
    invoke(
      f,
      colls.map((c) => c[i]!),
      ctx,
    ),
  )
}

def('map', 2, Infinity, (args, ctx) => mapColls('map', args, ctx))
def('mapv', 2, Infinity, (args, ctx) => mapColls('mapv', args, ctx))
def('mapcat', 2, Infinity, (args, ctx) => andThen(mapColls('mapcat', args, ctx), (xs) => xs.flatMap((x) => toSeq(x, 'mapcat'))))
def('map-indexed', 2, 2, (args, ctx) => mapMaybe(toSeq(args[1]!, 'map-indexed'), (x, i) => invoke(args[0]!, [i, x], ctx)))

/** Keep items whose predicate result passes `keep`. */
function select(name: string, args: Value[], ctx: Ctx, keep: boolean): MaybeAsync<Value[]> {
  const xs = toSeq(args[1]!, name)
  return andThen(
    mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
    (rs) => xs.filter((_, i) => truthy(rs[i]!) === keep),
  )
}

def('filter', 2, 2, (args, ctx) => select('filter', args, ctx, true))
def('filterv', 2, 2, (args, ctx) => select('filterv', args, ctx, true))
def('remove', 2, 2, (args, ctx) => select('remove', args, ctx, false))
def('keep', 2, 2, (args, ctx) =>
  andThen(
    mapMaybe(toSeq(args[1]!, 'keep'), (x) => invoke(args[0]!, [x], ctx)),
    (rs) => rs.filter((r) => r !== null),
  ),
)

/** `(reduced x)`: a value that ends a reduce early; reduce returns x. */
export class Reduced {
  readonly callable = false
  constructor(readonly value: Value) {}
}

const isReduced = (v: Value): boolean => v instanceof Reduced
const unreduced = (v: Value): Value => (v instanceof Reduced ? v.value : v)

def('reduced', 1, 1, (args) => new Reduced(args[0]!) as unknown as Value)
def('reduced?', 1, 1, (args) => isReduced(args[0]!))
def('unreduced', 1, 1, (args) => unreduced(args[0]!))

def('reduce', 2, 3, (args, ctx) => {
  const f = args[0]!
  const xs = toSeq(args[args.length - 1]!, 'reduce')
  if (args.length === 3)
    return andThen(
      reduceMaybe<Value, Value>(xs, args[1]!, (acc, x) => invoke(f, [acc, x], ctx), isReduced),
      unreduced,
    )
  if (xs.length === 0) return invoke(f, [], ctx)
  return andThen(
    reduceMaybe<Value, Value>(xs.slice(1), xs[0]!, (acc, x) => invoke(f, [acc, x], ctx), isReduced),
    unreduced,
  )
})

def('reduce-kv', 3, 3, (args, ctx) => {
  const c = args[2]!
  const entries: [Value, Value][] = c instanceof Map ? toSeq(c, 'reduce-kv').map((e) => e as [Value, Value]) : toSeq(c, 'reduce-kv').map((x, i) => [i, x])
  return andThen(
    reduceMaybe<[Value, Value], Value>(entries, args[1]!, (acc, [k, v]) => invoke(args[0]!, [acc, k, v], ctx), isReduced),
    unreduced,
  )
})

def('keep-indexed', 2, 2, (args, ctx) =>
  andThen(
    mapMaybe(toSeq(args[1]!, 'keep-indexed'), (x, i) => invoke(args[0]!, [i, x], ctx)),
    (rs) => rs.filter((r) => r !== null),
  ),
)

def('run!', 2, 2, (args, ctx) =>
  andThen(
    mapMaybe(toSeq(args[1]!, 'run!'), (x) => invoke(args[0]!, [x], ctx)),
    () => null,
  ),
)

def('not-every?', 2, 2, (args, ctx) =>
  andThen(
    findMaybe(
      toSeq(args[1]!, 'not-every?'),
      (x) => invoke(args[0]!, [x], ctx),
      (r) => !truthy(r),
    ),
    ([i]) => i >= 0,
  ),
)

def('complement', 1, 1, (args) => new Builtin('complement', 0, Infinity, (xs, ctx) => andThen(invoke(args[0]!, xs, ctx), (r) => !truthy(r))))

def('interpose', 2, 2, (args) => toSeq(args[1]!, 'interpose').flatMap((x, i) => (i === 0 ? [x] : [args[0]!, x])))

def('dedupe', 1, 1, (args) => toSeq(args[0]!, 'dedupe').filter((x, i, xs) => i === 0 || !equals(x, xs[i - 1]!)))

def('partition-by', 2, 2, (args, ctx) => {
  const xs = toSeq(args[1]!, 'partition-by')
  return andThen(
    mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
    (keys) => {
      const out: Value[][] = []
      xs.forEach((x, i) => {
        if (i > 0 && equals(keys[i]!, keys[i - 1]!)) out.at(-1)!.push(x)
        else out.push([x])
      })
      return out
    },
  )
})

/** max-key/min-key: the last item with the greatest (least) key, as Clojure picks on ties. */
function extremeKey(name: string, better: (a: number, b: number) => boolean): void {
  def(name, 2, Infinity, (args, ctx) => {
    const xs = args.slice(1)
    return andThen(
      mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
      (keys) => {
        let best = 0
        for (let i = 1; i < xs.length; i++) {
          const k = Number(expectNumber(keys[i]!, name))
          if (!better(Number(expectNumber(keys[best]!, name)), k)) best = i
        }
        if (xs.length === 1) expectNumber(keys[0]!, name)
        return xs[best]!
      },
    )
  })
}
extremeKey('max-key', (best, k) => best > k)
extremeKey('min-key', (best, k) => best < k)

def('some', 2, 2, (args, ctx) =>
  andThen(
    findMaybe(toSeq(args[1]!, 'some'), (x) => invoke(args[0]!, [x], ctx), truthy),
    ([, r]) => (truthy(r) ? r : null),
  ),
)
def('every?', 2, 2, (args, ctx) =>
  andThen(
    findMaybe(
      toSeq(args[1]!, 'every?'),
      (x) => invoke(args[0]!, [x], ctx),
      (r) => !truthy(r),
    ),
    ([i]) => i < 0,
  ),
)
def('not-any?', 2, 2, (args, ctx) =>
  andThen(
    findMaybe(toSeq(args[1]!, 'not-any?'), (x) => invoke(args[0]!, [x], ctx), truthy),
    ([i]) => i < 0,
  ),
)
def('take-while', 2, 2, (args, ctx) => {
  const xs = toSeq(args[1]!, 'take-while')
  return andThen(
    findMaybe(
      xs,
      (x) => invoke(args[0]!, [x], ctx),
      (r) => !truthy(r),
    ),
    ([i]) => (i < 0 ? xs.slice() : xs.slice(0, i)),
  )
})
def('drop-while', 2, 2, (args, ctx) => {
  const xs = toSeq(args[1]!, 'drop-while')
  return andThen(
    findMaybe(
      xs,
      (x) => invoke(args[0]!, [x], ctx),
      (r) => !truthy(r),
    ),
    ([i]) => (i < 0 ? [] : xs.slice(i)),
  )
})

const RANGE_LIMIT = 10_000_000

def('range', 1, 3, (args) => {
  const [start, end, step] = args.length === 1 ? [0, Number(expectNumber(args[0]!, 'range')), 1] : args.map((a) => Number(expectNumber(a, 'range')))
  const by = step ?? 1
  if (by === 0) {
    if (start === end) return []
    throw fnError('range', 'step must not be zero')
  }
  const n = Math.max(0, Math.ceil((end! - start!) / by))
  if (n > RANGE_LIMIT + 1) throw fnError('range', `too many items (${n}); the limit is ${RANGE_LIMIT}`)
  // Clojure adds the step again and again, so (range 0 1 0.1) ends at 0.9999999999999999 (11 items).
  const out: number[] = []
  for (let x = start!; by > 0 ? x < end! : x > end!; x += by) out.push(x)
  if (out.length > RANGE_LIMIT) throw fnError('range', `too many items (${out.length}); the limit is ${RANGE_LIMIT}`)
  return out
})

def('repeat', 2, 2, (args) => {
  const n = expectInt(args[0]!, 'repeat')
  if (n > RANGE_LIMIT) throw fnError('repeat', `too many items (${n})`)
  return Array.from({length: Math.max(0, n)}, () => args[1]!)
})

def('take', 2, 2, (args) => toSeq(args[1]!, 'take').slice(0, Math.max(0, expectInt(args[0]!, 'take'))))
def('drop', 2, 2, (args) => toSeq(args[1]!, 'drop').slice(Math.max(0, expectInt(args[0]!, 'drop'))))
def('take-last', 2, 2, (args) => {
  const n = expectInt(args[0]!, 'take-last')
  const xs = toSeq(args[1]!, 'take-last')
  return n <= 0 || xs.length === 0 ? null : xs.slice(-n)
})
def('reverse', 1, 1, (args) => toSeq(args[0]!, 'reverse').slice().reverse())

def('distinct', 1, 1, (args) => {
  const seen = new Set<Value>()
  for (const x of toSeq(args[0]!, 'distinct')) setAdd(seen, x)
  return [...seen]
})

def('frequencies', 1, 1, (args) => {
  const m: EdnMap = new Map()
  for (const x of toSeq(args[0]!, 'frequencies')) mapPut(m, x, ((mapGet(m, x) as number | undefined) ?? 0) + 1)
  return m
})

def('group-by', 2, 2, (args, ctx) => {
  const xs = toSeq(args[1]!, 'group-by')
  return andThen(
    mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
    (keys) => {
      const m: EdnMap = new Map()
      xs.forEach((x, i) => {
        const group = mapGet(m, keys[i]!) as Value[] | undefined
        if (group === undefined) mapPut(m, keys[i]!, [x])
        else group.push(x)
      })
      return m
    },
  )
})

/** A Clojure comparator: numbers give the order; a predicate like `>` means "a before b". */
function comparator(f: Value, ctx: Ctx): (a: Value, b: Value) => number {
  return (a, b) => {
    const r = invokeSync(f, [a, b], ctx, 'comparator')
    if (typeof r === 'number' || typeof r === 'bigint') return Math.sign(Number(r))
    if (truthy(r)) return -1
    return truthy(invokeSync(f, [b, a], ctx, 'comparator')) ? 1 : 0
  }
}

/** Clojure's sort of nothing is the empty list (), not an empty seq. */
const sorted = (xs: Value[]): Value => (xs.length === 0 ? new List([]) : xs)

def('sort', 1, 2, (args, ctx) => {
  const cmp = args.length === 2 ? comparator(args[0]!, ctx) : compare
  return sorted(toSeq(args.at(-1)!, 'sort').slice().sort(cmp))
})

def('sort-by', 2, 3, (args, ctx) => {
  const xs = toSeq(args.at(-1)!, 'sort-by')
  const cmp = args.length === 3 ? comparator(args[1]!, ctx) : compare
  return andThen(
    mapMaybe(xs, (x) => invoke(args[0]!, [x], ctx)),
    (keys) => {
      const order = xs.map((_, i) => i).sort((i, j) => cmp(keys[i]!, keys[j]!))
      return sorted(order.map((i) => xs[i]!))
    },
  )
})

def('interleave', 0, Infinity, (args) => {
  const colls = args.map((c) => toSeq(c, 'interleave'))
  const n = colls.length === 0 ? 0 : Math.min(...colls.map((c) => c.length))
  const out: Value[] = []
  for (let i = 0; i < n; i++) for (const c of colls) out.push(c[i]!)
  return out
})

function flatten(v: Value, out: Value[]): Value[] {
  if (isSequential(v)) for (const x of toSeq(v, 'flatten')) flatten(x, out)
  else out.push(v)
  return out
}
def('flatten', 1, 1, (args) => (isSequential(args[0]!) ? flatten(args[0]!, []) : []))

function partition(name: string, args: Value[], all: boolean): Value[] {
  const n = expectInt(args[0]!, name)
  const step = args.length === 3 ? expectInt(args[1]!, name) : n
  if (n <= 0 || step <= 0) throw fnError(name, 'size and step must be positive')
  const xs = toSeq(args.at(-1)!, name)
  const out: Value[] = []
  for (let i = 0; i < xs.length; i += step) {
    const chunk = xs.slice(i, i + n)
    if (chunk.length === n || all) out.push(chunk)
    if (i + n >= xs.length && !all) break
  }
  return out
}
def('partition', 2, 3, (args) => partition('partition', args, false))
def('partition-all', 2, 3, (args) => partition('partition-all', args, true))

def('identity', 1, 1, (args) => args[0]!)
def('constantly', 1, 1, (args) => new Builtin('constantly', 0, Infinity, () => args[0]!))
def('partial', 1, Infinity, (args) => new Builtin('partial', 0, Infinity, (more, ctx) => invoke(args[0]!, [...args.slice(1), ...more], ctx)))

def('comp', 0, Infinity, (args) => {
  const fs = args.slice().reverse()
  return new Builtin('comp', 0, Infinity, (xs, ctx) => {
    if (fs.length === 0) return xs[0] ?? null
    let r: MaybeAsync = invoke(fs[0]!, xs, ctx)
    for (const f of fs.slice(1)) r = andThen(r, (v) => invoke(f, [v], ctx))
    return r
  })
})

def('juxt', 1, Infinity, (args) => new Builtin('juxt', 0, Infinity, (xs, ctx) => mapMaybe(args, (f) => invoke(f, xs, ctx))))

def('apply', 2, Infinity, (args, ctx) => invoke(args[0]!, [...args.slice(1, -1), ...toSeq(args.at(-1)!, 'apply')], ctx))

def('fnil', 2, 4, (args) => {
  const defaults = args.slice(1)
  return new Builtin('fnil', 1, Infinity, (xs, ctx) =>
    invoke(
      args[0]!,
      xs.map((x, i) => (x === null && i < defaults.length ? defaults[i]! : x)),
      ctx,
    ),
  )
})

def('not', 1, 1, (args) => !truthy(args[0]!))
def('nil?', 1, 1, (args) => args[0] === null)
def('some?', 1, 1, (args) => args[0] !== null)
def('true?', 1, 1, (args) => args[0] === true)
def('false?', 1, 1, (args) => args[0] === false)
def('boolean', 1, 1, (args) => truthy(args[0]!))
def('string?', 1, 1, (args) => typeof args[0] === 'string')
def('keyword?', 1, 1, (args) => args[0] instanceof Keyword)
def('boolean?', 1, 1, (args) => typeof args[0] === 'boolean')
def('map?', 1, 1, (args) => args[0] instanceof Map)
def('set?', 1, 1, (args) => args[0] instanceof Set)
def('vector?', 1, 1, (args) => Array.isArray(args[0]))
def('list?', 1, 1, (args) => args[0] instanceof List)
def('sequential?', 1, 1, (args) => isSequential(args[0]!))
def('coll?', 1, 1, (args) => Array.isArray(args[0]) || args[0] instanceof List || args[0] instanceof Map || args[0] instanceof Set)
def('distinct?', 1, Infinity, (args) => args.every((a, i) => args.slice(i + 1).every((b) => !equals(a, b))))

def('split-at', 2, 2, (args) => {
  const xs = toSeq(args[1]!, 'split-at')
  const n = Math.max(0, expectInt(args[0]!, 'split-at'))
  return [xs.slice(0, n), xs.slice(n)]
})

def('split-with', 2, 2, (args, ctx) => {
  const xs = toSeq(args[1]!, 'split-with')
  return andThen(
    findMaybe(
      xs,
      (x) => invoke(args[0]!, [x], ctx),
      (r) => !truthy(r),
    ),
    ([i]) => (i < 0 ? [xs.slice(), []] : [xs.slice(0, i), xs.slice(i)]),
  )
})

def('take-nth', 2, 2, (args) => {
  const n = expectInt(args[0]!, 'take-nth')
  if (n <= 0) throw fnError('take-nth', 'n must be positive (Clojure would loop forever)')
  return toSeq(args[1]!, 'take-nth').filter((_, i) => i % n === 0)
})

def('ffirst', 1, 1, (args) => toSeq(toSeq(args[0]!, 'ffirst')[0] ?? null, 'ffirst')[0] ?? null)

/** (some-fn p q): like (or (p x) (p y) (q x) …): the first truthy result, else the last one. */
def(
  'some-fn',
  1,
  Infinity,
  (preds) =>
    new Builtin('some-fn', 0, Infinity, (xs, ctx) => {
      const calls = preds.flatMap((p) => xs.map((x) => [p, x] as const))
      let last: Value = null
      const call = ([p, x]: readonly [Value, Value]): MaybeAsync => andThen(invoke(p, [x], ctx), (r) => (last = r))
      return andThen(findMaybe(calls, call, truthy), ([i, r]) => (i >= 0 ? r : last))
    }),
)

/** (every-pred p q): true when every predicate holds for every argument. */
def(
  'every-pred',
  1,
  Infinity,
  (preds) =>
    new Builtin('every-pred', 0, Infinity, (xs, ctx) => {
      const calls = preds.flatMap((p) => xs.map((x) => [p, x] as const))
      return andThen(
        findMaybe(
          calls,
          ([p, x]) => invoke(p, [x], ctx),
          (r) => !truthy(r),
        ),
        ([i]) => i < 0,
      )
    }),
)

def('seq?', 1, 1, (args) => args[0] instanceof List)
def('symbol?', 1, 1, (args) => args[0] instanceof Sym)
