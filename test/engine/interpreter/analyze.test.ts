/** Resolving before running (analyze.ts): which names each form binds, and the did-you-mean. */
import {describe, expect, test} from 'vitest'
import {readEdn} from '../../../src/engine/edn/read.js'
import {analyze} from '../../../src/engine/interpreter/index.js'

const unbound = (code: string) => analyze(readEdn(code, {code: true})).map((u) => [u.name, u.path])
const messages = (code: string) => analyze(readEdn(code, {code: true})).map((u) => u.message)

describe('analyze', () => {
  test('every unbound name, in every branch, with its path', () => {
    expect(unbound('(if false undefined-thing (foo 1))')).toEqual([
      ['undefined-thing', [2]],
      ['foo', [3, 0]],
    ])
    expect(unbound('{:a x :b [y]}')).toEqual([
      ['x', ['a']],
      ['y', ['b', 0]],
    ])
  })

  test('binding forms and destructuring bind what they should, and only there', () => {
    expect(unbound('(let [[a & r :as all] [1] {:keys [b x/c] :strs [d] :or {b a} :as m} {}] [a r all b c d m])')).toEqual([])
    expect(unbound('(let [a 1 b (+ a c)] b)')).toEqual([['c', [1, 3, 2]]])
    expect(unbound('(let [{:keys [a] :or {a b}} {}] a)')).toEqual([['b', [1, 0, 'or', 'a']]])
    expect(unbound('(fn self ([] (self 1)) ([x & more] [x more]))')).toEqual([])
    expect(unbound('(loop [i 0] (if (< i 3) (recur (inc i)) i))')).toEqual([])
    expect(unbound('(if-let [x 1] x x)')).toEqual([['x', [3]]])
    expect(unbound('(when-let [[a b] [1 2]] (+ a b))')).toEqual([])
    expect(unbound('(for [x [1] :let [y x] :when (odd? y) z [y] :while z] [x y z])')).toEqual([])
    expect(unbound('(doseq [x [1]] [x q])')).toEqual([['q', [2, 1]]])
    expect(unbound('(as-> 1 v (inc v) [v w])')).toEqual([['w', [4, 1]]])
    expect(unbound('(map #(+ % %2 (count %&)) [1] [2])')).toEqual([])
  })

  test('quoted data and case constants are not resolved', () => {
    expect(unbound("(do '(foo bar) (quote baz))")).toEqual([])
    expect(unbound('(case x a 1 (b c) 2 d)')).toEqual([
      ['x', [1]],
      ['d', [6]],
    ])
  })

  test('messages: unknown function or symbol, a did-you-mean when one is close, unsupported forms', () => {
    expect(messages('(clojure.string/uppercase "a")')).toEqual(["unknown function 'clojure.string/uppercase' (did you mean 'clojure.string/upper-case'?)"])
    expect(messages('(fitler odd? [1])')).toEqual(["unknown function 'fitler' (did you mean 'filter'?)"])
    expect(messages('(flow/stpe :a :b {})')).toEqual(["unknown function 'flow/stpe' (did you mean 'flow/step'?)"])
    expect(messages('(let [items [1]] (count itmes))')).toEqual(["unknown symbol 'itmes' (did you mean 'items'?)"])
    expect(messages('(length [1])')).toEqual(["unknown function 'length' (did you mean 'count'?)"])
    expect(messages('(lenght [1])')).toEqual(["unknown function 'lenght' (did you mean 'count'?)"])
    expect(messages('(zz 1)')).toEqual(["unknown function 'zz'"])
    expect(messages('(map if [1])')).toEqual(['if is a special form and cannot be used as a value'])
    expect(messages('(defn f [] 1)')).toEqual(['defn: is not supported in flow code (flows are pure expressions; use let, fn and flow/fail)'])
  })
})
