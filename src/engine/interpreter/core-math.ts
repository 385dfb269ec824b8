/**
 * Numbers and comparison. Numbers are JS numbers (bigint for EDN `1N` and huge integers);
 * a bigint mixed only with integers stays a bigint, anything with a fraction is a double.
 * `/` of integers that divide exactly is an integer, otherwise a double: (/ 7 2) is 3.5
 * (Clojure would return the ratio 7/2; EDN and JSON have no ratios). Division by zero fails.
 */
import {equals, type Value} from '../edn/values.js'
import {def} from './builtins.js'
import {compare, expectInt, expectNumber, expectString} from './coerce.js'
import {fnError} from './eval-error.js'

type Num = number | bigint

function isIntegral(n: Num): boolean {
  return typeof n === 'bigint' || Number.isInteger(n)
}

/** Combine two numbers, in bigint when one is a bigint and neither has a fraction. */
function combine(name: string, a: Num, b: Num, op: (x: number, y: number) => number, bop: (x: bigint, y: bigint) => bigint): Num {
  if (typeof a === 'number' && typeof b === 'number') return op(a, b)
  if (isIntegral(a) && isIntegral(b)) return bop(BigInt(a), BigInt(b))
  return op(Number(a), Number(b))
}

function fold(name: string, args: Value[], init: Num, op: (x: number, y: number) => number, bop: (x: bigint, y: bigint) => bigint): Num {
  let acc = init
  for (const a of args) acc = combine(name, acc, expectNumber(a, name), op, bop)
  return acc
}

def('+', 0, Infinity, (args) =>
  fold(
    '+',
    args,
    0,
    (x, y) => x + y,
    (x, y) => x + y,
  ),
)
def('*', 0, Infinity, (args) =>
  fold(
    '*',
    args,
    1,
    (x, y) => x * y,
    (x, y) => x * y,
  ),
)

def('-', 1, Infinity, (args) => {
  const first = expectNumber(args[0]!, '-')
  if (args.length === 1) return -first
  return fold(
    '-',
    args.slice(1),
    first,
    (x, y) => x - y,
    (x, y) => x - y,
  )
})

function divide(a: Num, b: Num): Num {
  if (Number(b) === 0) throw fnError('/', 'divide by zero')
  if (isIntegral(a) && isIntegral(b)) {
    if (typeof a === 'bigint' || typeof b === 'bigint') {
      const x = BigInt(a)
      const y = BigInt(b)
      return x % y === 0n ? x / y : Number(x) / Number(y)
    }
  }
  return Number(a) / Number(b)
}

def('/', 1, Infinity, (args) => {
  const first = expectNumber(args[0]!, '/')
  if (args.length === 1) return divide(1, first)
  let acc = first
  for (const a of args.slice(1)) acc = divide(acc, expectNumber(a, '/'))
  return acc
})

function intPair(name: string, args: Value[]): [number, number] {
  const a = expectNumber(args[0]!, name)
  const b = expectNumber(args[1]!, name)
  if (Number(b) === 0) throw fnError(name, 'divide by zero')
  return [Number(a), Number(b)]
}

def('quot', 2, 2, (args) => {
  const [a, b] = intPair('quot', args)
  return Math.trunc(a / b)
})
def('rem', 2, 2, (args) => {
  const [a, b] = intPair('rem', args)
  return a % b
})
def('mod', 2, 2, (args) => {
  const [a, b] = intPair('mod', args)
  const m = a % b
  return m !== 0 && m < 0 !== b < 0 ? m + b : m
})

def('inc', 1, 1, (args) =>
  combine(
    'inc',
    expectNumber(args[0]!, 'inc'),
    1,
    (x, y) => x + y,
    (x, y) => x + y,
  ),
)
def('dec', 1, 1, (args) =>
  combine(
    'dec',
    expectNumber(args[0]!, 'dec'),
    1,
    (x, y) => x - y,
    (x, y) => x - y,
  ),
)
def('abs', 1, 1, (args) => {
  const n = expectNumber(args[0]!, 'abs')
  return n < 0 ? -n : n
})

function extreme(name: string, pick: (a: Num, b: Num) => boolean): void {
  def(name, 1, Infinity, (args) => {
    let best = expectNumber(args[0]!, name)
    for (const a of args.slice(1)) {
      const n = expectNumber(a, name)
      if (pick(n, best)) best = n
    }
    return best
  })
}
extreme('max', (a, b) => a > b)
extreme('min', (a, b) => a < b)

/** Chained numeric comparison: (< a b c) is a<b and b<c. */
function comparison(name: string, ok: (a: Num, b: Num) => boolean): void {
  def(name, 1, Infinity, (args) => {
    let prev = expectNumber(args[0]!, name)
    for (let i = 1; i < args.length; i++) {
      const n = expectNumber(args[i]!, name)
      if (!ok(prev, n)) return false
      prev = n
    }
    return true
  })
}
comparison('<', (a, b) => a < b)
comparison('>', (a, b) => a > b)
comparison('<=', (a, b) => a <= b)
comparison('>=', (a, b) => a >= b)

// One argument is always equal to itself, even ##NaN.
def('=', 1, Infinity, (args) => args.length === 1 || args.every((a) => equals(a, args[0]!)))
def('==', 1, Infinity, (args) => {
  const first = Number(expectNumber(args[0]!, '=='))
  return args.every((a) => Number(expectNumber(a, '==')) === first)
})
def('not=', 1, Infinity, (args) => args.length > 1 && !args.every((a) => equals(a, args[0]!)))
def('compare', 2, 2, (args) => compare(args[0]!, args[1]!))

def('zero?', 1, 1, (args) => Number(expectNumber(args[0]!, 'zero?')) === 0)
def('pos?', 1, 1, (args) => expectNumber(args[0]!, 'pos?') > 0)
def('neg?', 1, 1, (args) => expectNumber(args[0]!, 'neg?') < 0)
def('even?', 1, 1, (args) => expectInt(args[0]!, 'even?') % 2 === 0)
def('odd?', 1, 1, (args) => Math.abs(expectInt(args[0]!, 'odd?') % 2) === 1)
def('number?', 1, 1, (args) => typeof args[0] === 'number' || typeof args[0] === 'bigint')
def('int?', 1, 1, (args) => typeof args[0] === 'bigint' || (typeof args[0] === 'number' && Number.isInteger(args[0])))
// JS numbers do not remember that 1.0 was written with a point, so, as in ClojureScript, every number is a double.
def('double?', 1, 1, (args) => typeof args[0] === 'number')

def('double', 1, 1, (args) => Number(expectNumber(args[0]!, 'double')))
for (const name of ['int', 'long']) {
  def(name, 1, 1, (args) => {
    const n = expectNumber(args[0]!, name)
    return typeof n === 'bigint' ? n : Math.trunc(n)
  })
}

/** Clojure 1.11 parse-long/parse-double: nil when the whole string is not a number. */
def('parse-long', 1, 1, (args) => {
  const s = expectString(args[0]!, 'parse-long')
  if (!/^[+-]?\d+$/.test(s)) return null
  const n = Number(s)
  // Past the exact integers a long would overflow; Clojure gives nil there too.
  return Number.isSafeInteger(n) ? n : null
})
def('parse-double', 1, 1, (args) => {
  const s = expectString(args[0]!, 'parse-double').trim()
  if (s === 'NaN') return NaN
  if (/^[+-]?Infinity$/.test(s)) return Number(s)
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null
  return Number(s)
})
