/**
 * The forms authors reach for, with Clojure's semantics (issue 14): for/doseq (with steps
 * inside, ids suffixed by iteration as flow/map does), #(…), the threading and conditional
 * macros, and the collection functions added with them; plus the bugs the differential test
 * is built around.
 */
import {describe, expect, test} from 'vitest'
import {readEdn, readEdnWithPositions} from '../../../src/engine/edn/read.js'
import {kw} from '../../../src/engine/edn/values.js'
import {flowDef, recordingHost, run} from './helpers.js'
import {evaluateFlow} from '../../../src/engine/interpreter/index.js'
import {printEdn} from '../../../src/engine/edn/print.js'

/** Evaluate code read as flow code (so #(…) reads) and print it. */
async function code(body: string, host = recordingHost()): Promise<string> {
  return printEdn(await evaluateFlow(flowDef('nil', {flow: readEdn(body, {code: true})}), host))
}

describe('for', () => {
  test('nested bindings, :when, :let, :while', async () => {
    expect(await code('(for [x [1 2] y [:a :b]] [x y])')).toBe('[[1 :a] [1 :b] [2 :a] [2 :b]]')
    expect(await code('(for [x (range 6) :when (odd? x)] x)')).toBe('[1 3 5]')
    expect(await code('(for [x (range 4) :let [y (* x x) z (inc y)]] [y z])')).toBe('[[0 1] [1 2] [4 5] [9 10]]')
    expect(await code('(for [x (range 10) :while (< x 3)] x)')).toBe('[0 1 2]')
    // :while ends the loop of the binding before it only.
    expect(await code('(for [x [1 2 3] y [1 2 3] :while (< y x)] [x y])')).toBe('[[2 1] [3 1] [3 2]]')
    expect(await code('(for [x [[1 2] [3]] y x :when (odd? y)] y)')).toBe('[1 3]')
    expect(await code('(for [[k v] {:a 1 :b 2}] [v k])')).toBe('[[1 :a] [2 :b]]')
    expect(await code('(for [x []] (flow/fail "never"))')).toBe('[]')
  })

  test('steps inside run in order, with ids suffixed by iteration as flow/map does', async () => {
    const host = recordingHost({respond: (c) => (c.config as Map<unknown, unknown>).get(kw('x')) as number})
    const out = await code(
      `(let [a (flow/step :f :before {})
                                 r (for [x [1 2 3] :when (not= x 2) y [:p :q]] (flow/step :f :fetch {:x x}))
                                 z (flow/step :f :after {})]
                             r)`,
      host,
    )
    expect(out).toBe('[1 1 3 3]')
    expect(host.calls.map((c) => `${c.position} ${c.id}`)).toEqual([
      '0 before',
      '1[0].0 fetch[0]',
      '1[1].0 fetch[1]',
      '1[2].0 fetch[2]',
      '1[3].0 fetch[3]',
      '2 after',
    ])
  })

  test('syntax errors name the form', async () => {
    await expect(code('(for [x] x)')).rejects.toMatchObject({message: expect.stringMatching(/^for: expects a binding vector/)})
    await expect(code('(for [x [1] :until true] x)')).rejects.toMatchObject({message: expect.stringMatching(/^for: unknown modifier :until/)})
    await expect(code('(for [:when true x [1]] x)')).rejects.toMatchObject({message: expect.stringMatching(/must start with a binding/)})
  })
})

describe('doseq and run!', () => {
  test('doseq runs steps in order and returns nil', async () => {
    const host = recordingHost()
    expect(await code('(doseq [x [1 2] y [:a]] (flow/step :f :s {:x x :y y}))', host)).toBe('nil')
    expect(host.calls.map((c) => [c.id, c.position])).toEqual([
      ['s[0]', '0[0].0'],
      ['s[1]', '0[1].0'],
    ])
  })

  test('run! calls f for each item in order and returns nil', async () => {
    const host = recordingHost()
    expect(await code('(run! (fn [x] (flow/step :f :s {:x x})) [1 2 3])', host)).toBe('nil')
    expect(host.calls.map((c) => c.id)).toEqual(['s', 's#2', 's#3'])
  })
})

describe('#(…)', () => {
  test('%, %1…, %& with Clojure arity', async () => {
    expect(await code('(map #(* % 2) [1 2])')).toBe('[2 4]')
    expect(await code('(#(vector %1 %2 %&) 1 2 3 4)')).toBe('[1 2 [3 4]]')
    expect(await code('(#(str %2) :a :b)')).toBe('":b"')
    expect(await code('(#(vector % %1) 7)')).toBe('[7 7]')
    expect(await code('(#(count %&))')).toBe('0')
    await expect(code('(#(inc %) 1 2)')).rejects.toMatchObject({message: expect.stringMatching(/wrong number of arguments \(2\)/)})
  })

  test('keeps positions: paths into the expansion find the forms as written', () => {
    const read = readEdnWithPositions('{:a\n  #(inc %)}', {code: true})
    expect(printEdn(read.value)).toBe('{:a (fn [%1] (inc %1))}')
    expect(read.positionOf(['a'])).toEqual({line: 2, column: 3})
    expect(read.positionOf(['a', 2, 1])).toEqual({line: 2, column: 9})
  })

  test('only where code is read: other EDN rejects it, and it does not nest', () => {
    expect(() => readEdn('#(inc %)')).toThrow(/anonymous functions are not EDN/)
    expect(() => readEdn('#(map #(inc %) %)', {code: true})).toThrow(/cannot be nested/)
  })
})

describe('threading and conditional forms', () => {
  test.each([
    ['(if-not nil :a :b)', ':a'],
    ['(if-not 1 :a)', 'nil'],
    ['(cond-> 1 true inc false (* 100) true (* 10))', '20'],
    ['(cond->> [1 2 3] true (map inc) false (filter odd?))', '[2 3 4]'],
    ['(some->> [1 2] (filter even?) first (* 10))', '20'],
    ['(some->> [1 3] (filter even?) first (* 10))', 'nil'],
    ['(as-> 2 x (* x x) [x (inc x)])', '[4 5]'],
    ['(condp = 3 1 :one 3 :three :other)', ':three'],
    ['(condp < 5 10 :big 1 :small)', ':small'],
    ['(condp get :b {:a 1} :>> inc {:b 2} :>> dec :none)', '1'],
    ['(condp = 9 1 :one :other)', ':other'],
    ['(if-some [x false] [x] :none)', '[false]'],
    ['(when-some [x nil] :never)', 'nil'],
    ['(when-first [x [7 8]] (* x 2))', '14'],
  ])('%s → %s', async (body, expected) => {
    expect(await code(body)).toBe(expected)
  })

  test('condp without a match and without a default fails naming the value', async () => {
    await expect(code('(condp = 9 1 :one)')).rejects.toMatchObject({message: expect.stringMatching(/^condp: no matching clause for 9/)})
  })
})

describe('collection functions', () => {
  test.each([
    ['(update-vals {:a 1 :b 2} inc)', '{:a 2, :b 3}'],
    ['(update-keys {:a 1 :b 2} name)', '{"a" 1, "b" 2}'],
    ['(map key {:a 1 :b 2})', '[:a :b]'],
    ['(map val {:a 1 :b 2})', '[1 2]'],
    ['(filter (complement odd?) [1 2 3 4])', '[2 4]'],
    ['(interpose :x [1 2 3])', '[1 :x 2 :x 3]'],
    ['(partition-by odd? [1 3 2 4 5])', '[[1 3] [2 4] [5]]'],
    ['(disj #{1 2 3} 2 3)', '#{1}'],
    ['(max-key count "a" "bbb" "cc")', '"bbb"'],
    ['(min-key count "aa" "b" "c")', '"c"'],
    ['(reduce (fn [a x] (if (> a 5) (reduced a) (+ a x))) 0 (range 100))', '6'],
    ['[(reduced? (reduced 1)) (unreduced (reduced 2))]', '[true 2]'],
    ['(not-every? odd? [1 2])', 'true'],
    ['(keep-indexed (fn [i x] (when (even? i) x)) [:a :b :c])', '[:a :c]'],
    ['(dedupe [1 1 2 1 1])', '[1 2 1]'],
    ['(split-with odd? [1 3 2 5])', '[[1 3] [2 5]]'],
    ['((some-fn :a :b) {:b 2})', '2'],
    ['((every-pred odd? pos?) 1 -3)', 'false'],
    ['(clojure.set/union #{1} #{2} nil)', '#{1 2}'],
    ['(clojure.set/intersection #{1 2 3} #{2 3} #{3 4})', '#{3}'],
    ['(clojure.set/difference #{1 2 3} #{2})', '#{1 3}'],
    ['(clojure.set/select odd? #{1 2 3})', '#{1 3}'],
    ['(clojure.set/project #{{:a 1 :b 2}} [:a])', '#{{:a 1}}'],
    ['(clojure.set/rename-keys {:a 1 :b 2} {:a :b :b :a})', '{:b 1, :a 2}'],
    ['[(clojure.set/subset? #{1} #{1 2}) (clojure.set/superset? #{1} #{1 2})]', '[true false]'],
    ['(clojure.set/map-invert {:a 1})', '{1 :a}'],
    ['(clojure.set/index #{{:k 1 :v :a}} [:k])', '{{:k 1} #{{:k 1, :v :a}}}'],
    ['(clojure.set/join #{{:a 1 :b 2}} #{{:a 1 :c 3}})', '#{{:a 1, :b 2, :c 3}}'],
  ])('%s → %s', async (body, expected) => {
    expect(await code(body)).toBe(expected)
  })
})

describe('the bugs behind the differential test', () => {
  test.each([
    ['(sort [:b :a :a/c :b/a])', '[:a :b :a/c :b/a]'],
    ['(compare :b :a/c)', '-1'],
    ['(clojure.string/split-lines "a\\nb\\n")', '["a" "b"]'],
    ['(clojure.string/split "a,b,,," "," -1)', '["a" "b" "" "" ""]'],
    ['(clojure.string/replace "abc" "" "-")', '"-a-b-c-"'],
    ['(count (range 0 1 0.1))', '11'],
    ['(nth nil 0)', 'nil'],
    ['(take-last 0 [1 2])', 'nil'],
    ['(keyword 1)', 'nil'],
    ['[(count "😀") (count (seq "😀")) (count (subs "😀" 0 1))]', '[2 2 1]'],
    ['(double? 1.0)', 'true'],
    ['((fnil + 0 0) nil nil)', '0'],
    ['(conj {:a 1} nil)', '{:a 1}'],
    ['(into {} [nil])', '{}'],
    ['(update-in {:a 1} [] (constantly 2))', '{:a 1, nil 2}'],
    ['(let [{:keys [a]} [:a 1]] a)', 'nil'],
    ['(let [{a :a} 5] a)', 'nil'],
    ['(parse-double "NaN")', '##NaN'],
    ['(parse-long "99999999999999999999")', 'nil'],
  ])('%s → %s', async (body, expected) => {
    expect(await code(body)).toBe(expected)
  })

  test('a typo in a branch that is not taken fails before the run, at its form', async () => {
    const host = recordingHost()
    await expect(run('(do (flow/step :f :first {}) (if false undefined-thing 1))', host)).rejects.toMatchObject({
      code: 'run_failed',
      message: "unknown symbol 'undefined-thing' in (if false undefined-thing 1)",
    })
    expect(host.calls).toEqual([])
  })
})
