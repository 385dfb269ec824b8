/**
 * Evaluation returns `Value | Promise<Value>`: pure code stays synchronous (fast), and only a
 * path that actually reached an async step awaits. These helpers keep that discipline for
 * loops over collections: they run synchronously until the first promise, then continue
 * sequentially, in order, with await.
 */
import type {Value} from '../edn/values.js'

export type MaybeAsync<T = Value> = T | Promise<T>

// Not named `then`: a module exporting `then` makes its namespace object a thenable, which
// breaks `await import()` of it.

export function andThen<T, U>(v: MaybeAsync<T>, f: (x: T) => MaybeAsync<U>): MaybeAsync<U> {
  return v instanceof Promise ? v.then(f) : f(v)
}

/** `f` over items, sequentially and in order. */
export function mapMaybe<T, U>(items: readonly T[], f: (x: T, i: number) => MaybeAsync<U>): MaybeAsync<U[]> {
  const out: U[] = new Array<U>(items.length)
  for (let i = 0; i < items.length; i++) {
    const r = f(items[i]!, i)
    if (r instanceof Promise) return mapRest(items, f, out, i, r)
    out[i] = r
  }
  return out
}

async function mapRest<T, U>(items: readonly T[], f: (x: T, i: number) => MaybeAsync<U>, out: U[], i: number, p: Promise<U>): Promise<U[]> {
  out[i] = await p
  for (let j = i + 1; j < items.length; j++) out[j] = await f(items[j]!, j)
  return out
}

/** Left fold with a possibly async step; stops early once `done(acc)` (Clojure's `reduced`). */
export function reduceMaybe<T, A>(
  items: readonly T[],
  init: A,
  f: (acc: A, x: T, i: number) => MaybeAsync<A>,
  done: (acc: A) => boolean = never,
): MaybeAsync<A> {
  let acc = init
  for (let i = 0; i < items.length && !done(acc); i++) {
    const r = f(acc, items[i]!, i)
    if (r instanceof Promise) return reduceRest(items, f, i, r, done)
    acc = r
  }
  return acc
}

function never(): boolean {
  return false
}

async function reduceRest<T, A>(
  items: readonly T[],
  f: (acc: A, x: T, i: number) => MaybeAsync<A>,
  i: number,
  p: Promise<A>,
  done: (acc: A) => boolean,
): Promise<A> {
  let acc = await p
  for (let j = i + 1; j < items.length && !done(acc); j++) acc = await f(acc, items[j]!, j)
  return acc
}

/**
 * Call `f` on items in order until `stop(result)`; returns that index and result, or
 * index -1. Used by some, every?, take-while and friends (they must not call f past the hit).
 */
export function findMaybe<T>(items: readonly T[], f: (x: T, i: number) => MaybeAsync<Value>, stop: (r: Value) => boolean): MaybeAsync<[number, Value]> {
  for (let i = 0; i < items.length; i++) {
    const r = f(items[i]!, i)
    if (r instanceof Promise) return findRest(items, f, stop, i, r)
    if (stop(r)) return [i, r]
  }
  return [-1, null]
}

async function findRest<T>(
  items: readonly T[],
  f: (x: T, i: number) => MaybeAsync<Value>,
  stop: (r: Value) => boolean,
  i: number,
  p: Promise<Value>,
): Promise<[number, Value]> {
  let r = await p
  if (stop(r)) return [i, r]
  for (let j = i + 1; j < items.length; j++) {
    r = await f(items[j]!, j)
    if (stop(r)) return [j, r]
  }
  return [-1, null]
}
