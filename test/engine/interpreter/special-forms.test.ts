import {describe, expect, test} from 'vitest'
import {SPECIAL_FORMS} from '../../../src/engine/interpreter/index.js'
import {failure, recordingHost, show} from './helpers.js'

describe('special forms', () => {
  test('let binds sequentially and shadows', async () => {
    expect(await show('(let [a 1 b (+ a 1) a 10] [a b])')).toBe('[10 2]')
    expect(await show('(let [x 1 f (fn [] x) x 2] (f))')).toBe('1')
  })

  test('if, when, when-not, do', async () => {
    expect(await show('(if nil 1 2)')).toBe('2')
    expect(await show('(if false 1)')).toBe('nil')
    expect(await show('(if 0 :zero-is-truthy :no)')).toBe(':zero-is-truthy')
    expect(await show('(when true 1 2 3)')).toBe('3')
    expect(await show('(when false 1)')).toBe('nil')
    expect(await show('(when-not false :x)')).toBe(':x')
    expect(await show('(do 1 2)')).toBe('2')
    expect(await show('(do)')).toBe('nil')
  })

  test('cond with :else, and no match', async () => {
    expect(await show('(let [n 5] (cond (< n 0) :neg (< n 3) :small :else :big))')).toBe(':big')
    expect(await show('(cond false 1)')).toBe('nil')
  })

  test('case dispatches on literals, keywords, lists of alternatives, default', async () => {
    expect(await show('(case 2 1 :one 2 :two :other)')).toBe(':two')
    expect(await show('(case "b" "a" 1 "b" 2)')).toBe('2')
    expect(await show('(case :y (:x :y) :xy :z :zed)')).toBe(':xy')
    expect(await show('(case 9 1 :one :default)')).toBe(':default')
    expect(await show('(case [1 2] [1 2] :vec :no)')).toBe(':vec')
    expect((await failure('(case 9 1 :one)')).message).toMatch(/case: no matching clause for 9/)
  })

  test('and / or short-circuit and return the deciding value', async () => {
    expect(await show('(and 1 2 3)')).toBe('3')
    expect(await show('(and 1 nil (flow/fail "never runs"))')).toBe('nil')
    expect(await show('(and)')).toBe('true')
    expect(await show('(or nil false 7 (flow/fail "never runs"))')).toBe('7')
    expect(await show('(or)')).toBe('nil')
  })

  test('fn: multiple params, rest, multi-arity, self-recursion by name', async () => {
    expect(await show('((fn [a b] (- a b)) 5 2)')).toBe('3')
    expect(await show('((fn [a & more] [a more]) 1 2 3)')).toBe('[1 [2 3]]')
    expect(await show('((fn [a & more] more) 1)')).toBe('nil')
    expect(await show('((fn ([a] [:one a]) ([a b] [:two a b])) 1 2)')).toBe('[:two 1 2]')
    expect(await show('((fn fact [n] (if (<= n 1) 1 (* n (fact (dec n))))) 10)')).toBe('3628800')
  })

  test('threading macros', async () => {
    expect(await show('(-> {:a {:b 5}} :a :b inc)')).toBe('6')
    expect(await show('(-> 10 (- 3) (/ 7))')).toBe('1')
    expect(await show('(->> [1 2 3 4] (filter even?) (map inc))')).toBe('[3 5]')
    expect(await show('(some-> {:a {:b 1}} :a :b inc)')).toBe('2')
    expect(await show('(some-> {:a nil} :a :b (flow/fail "never runs"))')).toBe('nil')
  })

  test('loop/recur, and recur in a fn tail, do not grow the stack', async () => {
    expect(await show('(loop [i 0 acc 0] (if (< i 100000) (recur (inc i) (+ acc i)) acc))')).toBe('4999950000')
    expect(await show('((fn [n acc] (if (zero? n) acc (recur (dec n) (+ acc 1)))) 100000 0)')).toBe('100000')
    expect(await show('((fn [n & xs] (if (zero? n) xs (recur (dec n) (conj (vec xs) n)))) 3)')).toBe('[3 2 1]')
    expect(await show('(loop [[x & more] [1 2 3] out []] (if x (recur more (conj out (* x x))) out))')).toBe('[1 4 9]')
  })

  test('recur outside tail position and with the wrong count is an error', async () => {
    expect((await failure('(loop [i 0] (+ 1 (recur i)))')).message).toMatch(/recur: can only be used in tail position/)
    expect((await failure('(loop [i 0] (recur 1 2))')).message).toMatch(/recur: expected 1 arguments, got 2/)
  })

  test('closures in a loop see their own iteration', async () => {
    expect(await show('(loop [i 0 fs []] (if (< i 3) (recur (inc i) (conj fs (fn [] i))) (mapv (fn [f] (f)) fs)))')).toBe('[0 1 2]')
  })

  test('quote, if-let, when-let', async () => {
    expect(await show("[(quote (a b)) '(1 2)]")).toBe('[(a b) (1 2)]')
    // A quoted body, as Breyta writes :flow, is unwrapped and evaluated.
    expect(await show("'(+ 1 2)")).toBe('3')
    expect(await show('(if-let [x (:a {:a 1})] (inc x) :none)')).toBe('2')
    expect(await show('(if-let [x (:b {:a 1})] (inc x) :none)')).toBe(':none')
    expect(await show('(when-let [[a b] [1 2]] (+ a b))')).toBe('3')
    expect(await show('(when-let [x nil] (flow/fail "never runs"))')).toBe('nil')
  })

  test('literals evaluate their elements', async () => {
    expect(await show('(let [x 1] {:a x :b [x (inc x)] :c #{x}})')).toBe('{:a 1, :b [1 2], :c #{1}}')
    expect(await show('()')).toBe('()')
  })

  test('special forms work when branches call steps (async paths)', async () => {
    const host = recordingHost({respond: (c) => c.id})
    const body = `(let [a (flow/step :f :a {})
                        b (if (= a "a") (flow/step :f :b {}) :no)
                        c (cond (= b "b") (flow/step :f :c {}) :else :no)
                        d (case (flow/step :f :d {}) "d" :yes :no)
                        e (and (flow/step :f :e {}) (flow/step :f :e2 {}))
                        g (-> (flow/step :f :g {}) str/upper-case)
                        h (loop [i 0 acc []] (if (< i 2) (recur (inc i) (conj acc (flow/step :f :h {}))) acc))]
                    [a b c d e g h])`
    expect(await show(body, host)).toBe('["a" "b" "c" :yes "e2" "G" ["h" "h#2"]]')
  })

  test('unsupported forms fail clearly', async () => {
    expect((await failure('(def x 1)')).message).toMatch(/def: is not supported/)
    expect(SPECIAL_FORMS).toContain('loop')
  })
})
