import {describe, expect, test} from 'vitest'
import {failure, show} from './helpers.js'

describe('destructuring', () => {
  test('vectors with & and :as, nil-padded', async () => {
    expect(await show('(let [[a b & more :as all] [1 2 3 4]] [a b more all])')).toBe('[1 2 [3 4] [1 2 3 4]]')
    expect(await show('(let [[a b c] [1]] [a b c])')).toBe('[1 nil nil]')
    expect(await show('(let [[a [b c]] [1 [2 3]]] (+ a b c))')).toBe('6')
    expect(await show('(let [[a b] nil] [a b])')).toBe('[nil nil]')
    expect(await show('(let [[c1 c2] "hi"] [c1 c2])')).toBe('["h" "i"]')
  })

  test('maps: :keys, :strs, :syms, :or, :as, explicit keys, nested', async () => {
    expect(await show('(let [{:keys [a b] :or {b 2} :as m} {:a 1}] [a b m])')).toBe('[1 2 {:a 1}]')
    expect(await show('(let [{:strs [name]} {"name" "x"}] name)')).toBe('"x"')
    expect(await show("(let [{:syms [s]} {'s 5}] s)")).toBe('5')
    expect(await show('(let [{x :x [p q] :pair} {:x 1 :pair [2 3]}] [x p q])')).toBe('[1 2 3]')
    expect(await show('(let [{{:keys [c]} :b} {:b {:c 4}}] c)')).toBe('4')
    expect(await show('(let [{:keys [:a]} {:a 7}] a)')).toBe('7')
    expect(await show('(let [{:keys [user/id]} {:user/id 9}] id)')).toBe('9')
  })

  test(':or applies only to missing keys, not to nil values', async () => {
    expect(await show('(let [{:keys [a] :or {a 5}} {:a nil}] a)')).toBe('nil')
    expect(await show('(let [{:keys [a] :or {a (+ 2 3)}} {}] a)')).toBe('5')
  })

  test('fn parameters destructure, including keyword rest args', async () => {
    expect(await show('((fn [{:keys [a]} [b]] (+ a b)) {:a 1} [2])')).toBe('3')
    expect(await show('((fn [x & {:keys [scale] :or {scale 1}}] (* x scale)) 3 :scale 10)')).toBe('30')
    expect(await show('(map (fn [[k v]] (str (name k) "=" v)) {:a 1 :b 2})')).toBe('["a=1" "b=2"]')
  })

  test('bad patterns and bad values are errors', async () => {
    expect((await failure('(let [[a] {:a 1}] a)')).message).toMatch(/cannot bind vector pattern to \{:a 1\}/)
    // As Clojure: a map pattern looks keys up with get, so a number gives nil for every key.
    expect(await show('(let [{:keys [a]} 5] a)')).toBe('nil')
    expect((await failure('(let [1 2] 3)')).message).toMatch(/unsupported binding pattern 1/)
  })
})
