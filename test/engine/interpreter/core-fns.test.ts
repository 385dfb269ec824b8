import {describe, expect, test} from 'vitest'
import {CORE_FUNCTIONS} from '../../../src/engine/interpreter/index.js'
import {failure, recordingHost, show} from './helpers.js'

/** Each case: [code, printed result]. */
async function check(cases: [string, string][]): Promise<void> {
  for (const [code, expected] of cases) expect(`${code} => ${await show(code)}`).toBe(`${code} => ${expected}`)
}

describe('core functions', () => {
  test('maps', async () => {
    await check([
      ['(get {:a 1} :a)', '1'],
      ['(get {:a 1} :b :none)', ':none'],
      ['(get [10 20] 1)', '20'],
      ['(get nil :a)', 'nil'],
      ['(get {[1 2] :v} [1 2])', ':v'],
      ['(get-in {:a {:b [5 6]}} [:a :b 1])', '6'],
      ['(get-in {:a nil} [:a :b] :d)', ':d'],
      ['(assoc {:a 1} :b 2 :c 3)', '{:a 1, :b 2, :c 3}'],
      ['(assoc nil :a 1)', '{:a 1}'],
      ['(assoc [1 2] 2 3)', '[1 2 3]'],
      ['(assoc-in {} [:a :b] 1)', '{:a {:b 1}}'],
      ['(dissoc {:a 1 :b 2 :c 3} :a :c)', '{:b 2}'],
      ['(update {:n 1} :n inc)', '{:n 2}'],
      ['(update {:n 1} :n + 10 5)', '{:n 16}'],
      ['(update-in {:a {:n 1}} [:a :n] inc)', '{:a {:n 2}}'],
      ['(merge {:a 1} nil {:b 2} {:a 3})', '{:a 3, :b 2}'],
      ['(merge nil nil)', 'nil'],
      ['(merge-with + {:a 1} {:a 2 :b 3})', '{:a 3, :b 3}'],
      ['(select-keys {:a 1 :b 2 :c 3} [:a :c :z])', '{:a 1, :c 3}'],
      ['(keys {:a 1 :b 2})', '[:a :b]'],
      ['(vals {:a 1 :b 2})', '[1 2]'],
      ['(keys {})', 'nil'],
      ['(zipmap [:a :b] [1 2 3])', '{:a 1, :b 2}'],
      ['(contains? {:a nil} :a)', 'true'],
      ['(contains? [1 2] 1)', 'true'],
      ['(contains? #{:x} :y)', 'false'],
      ['(find {:a 1} :a)', '[:a 1]'],
      ['(reduce-kv (fn [acc k v] (+ acc v)) 0 {:a 1 :b 2})', '3'],
    ])
    // the original map is untouched
    await check([['(let [m {:a 1} n (assoc m :b 2)] [m n])', '[{:a 1} {:a 1, :b 2}]']])
  })

  test('sequences', async () => {
    await check([
      ['(count [1 2 3])', '3'],
      ['(count {:a 1})', '1'],
      ['(count "héllo")', '5'],
      ['(count nil)', '0'],
      ['(first [1 2])', '1'],
      ['(first nil)', 'nil'],
      ['(second [1 2])', '2'],
      ['(rest [1 2 3])', '[2 3]'],
      ['(rest [])', '[]'],
      ['(next [1])', 'nil'],
      ['(last [1 2 3])', '3'],
      ['(nth [1 2 3] 1)', '2'],
      ['(nth [1] 5 :d)', ':d'],
      ['(conj [1 2] 3 4)', '[1 2 3 4]'],
      ["(conj '(1 2) 0)", '(0 1 2)'],
      ['(conj #{1} 1 2)', '#{1 2}'],
      ['(conj {:a 1} [:b 2])', '{:a 1, :b 2}'],
      ['(cons 0 [1 2])', '[0 1 2]'],
      ['(concat [1] [2 3] nil)', '[1 2 3]'],
      ['(into [] #{1})', '[1]'],
      ['(into {} [[:a 1] [:b 2]])', '{:a 1, :b 2}'],
      ['(into #{} [1 1 2])', '#{1 2}'],
      ['(range 3)', '[0 1 2]'],
      ['(range 1 10 3)', '[1 4 7]'],
      ['(range 3 0 -1)', '[3 2 1]'],
      ['(take 2 [1 2 3])', '[1 2]'],
      ['(drop 2 [1 2 3])', '[3]'],
      ['(take-while pos? [1 2 -1 3])', '[1 2]'],
      ['(drop-while pos? [1 2 -1 3])', '[-1 3]'],
      ['(reverse [1 2 3])', '[3 2 1]'],
      ['(distinct [1 2 1 [1] [1]])', '[1 2 [1]]'],
      ['(sort [3 1 2])', '[1 2 3]'],
      ['(sort > [3 1 2])', '[3 2 1]'],
      ['(sort ["b" "a" "c"])', '["a" "b" "c"]'],
      ['(sort-by :n [{:n 2} {:n 1}])', '[{:n 1} {:n 2}]'],
      ['(sort-by count > ["a" "ccc" "bb"])', '["ccc" "bb" "a"]'],
      ['(group-by odd? [1 2 3])', '{true [1 3], false [2]}'],
      ['(frequencies [:a :b :a])', '{:a 2, :b 1}'],
      ['(interleave [1 2 3] [:a :b])', '[1 :a 2 :b]'],
      ['(flatten [1 [2 [3 4]] 5])', '[1 2 3 4 5]'],
      ['(partition 2 [1 2 3 4 5])', '[[1 2] [3 4]]'],
      ['(partition-all 2 [1 2 3])', '[[1 2] [3]]'],
      ['(vec #{1})', '[1]'],
      ['(set [1 1 2])', '#{1 2}'],
      ['(list 1 2)', '(1 2)'],
      ['(vector 1 2)', '[1 2]'],
      ['(hash-map :a 1)', '{:a 1}'],
      ['(hash-set 1 1)', '#{1}'],
      ['(empty? [])', 'true'],
      ['(not-empty [])', 'nil'],
      ['(not-empty [1])', '[1]'],
      ['(seq [])', 'nil'],
    ])
  })

  test('higher-order functions', async () => {
    await check([
      ['(map inc [1 2])', '[2 3]'],
      ['(map + [1 2] [10 20 30])', '[11 22]'],
      ['(mapv :a [{:a 1} {:a 2}])', '[1 2]'],
      ['(filter even? (range 6))', '[0 2 4]'],
      ['(filterv :ok [{:ok true} {:ok false}])', '[{:ok true}]'],
      ['(remove nil? [1 nil 2])', '[1 2]'],
      ['(reduce + [1 2 3])', '6'],
      ['(reduce + 10 [1 2 3])', '16'],
      ['(reduce + [])', '0'],
      ['(keep :a [{:a 1} {} {:a 2}])', '[1 2]'],
      ['(map-indexed (fn [i x] [i x]) [:a :b])', '[[0 :a] [1 :b]]'],
      ['(mapcat (fn [x] [x x]) [1 2])', '[1 1 2 2]'],
      ['(some even? [1 3 4])', 'true'],
      ['(some #{3} [1 3])', '3'],
      ['(some even? [1 3])', 'nil'],
      ['(every? pos? [1 2])', 'true'],
      ['(every? pos? [])', 'true'],
      ['(identity 5)', '5'],
      ['((constantly 7) 1 2)', '7'],
      ['((partial + 1 2) 3)', '6'],
      ['((comp inc #(* 2 %)) 5)'.replace('#(* 2 %)', '(fn [x] (* 2 x))'), '11'],
      ['((comp) 4)', '4'],
      ['(apply + 1 [2 3])', '6'],
      ['((juxt :a :b) {:a 1 :b 2})', '[1 2]'],
      ['((fnil inc 0) nil)', '1'],
    ])
  })

  test('higher-order functions run async closures sequentially, in order', async () => {
    const host = recordingHost({tick: true, respond: (c) => c.config})
    const body = `[(map (fn [x] (flow/step :f :m {:x x})) [1 2])
                   (filter (fn [x] (:keep (flow/step :f :f {:keep (odd? x)}))) [1 2 3])
                   (reduce (fn [acc x] (+ acc (:x (flow/step :f :r {:x x})))) 0 [1 2])
                   (sort-by (fn [x] (:k (flow/step :f :s {:k (- x)}))) [1 3 2])
                   (some (fn [x] (:hit (flow/step :f :so {:hit (= x 2)}))) [1 2 3])]`
    expect(await show(body, host)).toBe('[[{:x 1} {:x 2}] [1 3] 3 [3 2 1] true]')
    expect(host.maxInFlight).toBe(1)
    // some stops at the first hit: 2 calls, not 3
    expect(host.calls.map((c) => c.id)).toEqual(['m', 'm#2', 'f', 'f#2', 'f#3', 'r', 'r#2', 's', 's#2', 's#3', 'so', 'so#2'])
    expect(host.calls.map((c) => c.position)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'])
  })

  test('strings', async () => {
    await check([
      ['(str "a" :kw nil 1 1.5 true [1 "x"] {:a nil})', '"a:kw11.5true[1 \\"x\\"]{:a nil}"'],
      ['(str)', '""'],
      ['(subs "hello" 1 3)', '"el"'],
      ['(subs "hello" 2)', '"llo"'],
      ['(clojure.string/join ", " [1 :a "b"])', '"1, :a, b"'],
      ['(str/join [1 2])', '"12"'],
      ['(str/split "a,b,,c,," ",")', '["a" "b" "" "c"]'],
      ['(str/split "a,b,c" "," 2)', '["a" "b,c"]'],
      ['(str/upper-case "abc")', '"ABC"'],
      ['(clojure.string/lower-case "ABC")', '"abc"'],
      ['(str/trim "  x ")', '"x"'],
      ['(str/includes? "hello" "ell")', 'true'],
      ['(str/starts-with? "hello" "he")', 'true'],
      ['(str/ends-with? "hello" "lo")', 'true'],
      ['(str/replace "a.b.c" "." "/")', '"a/b/c"'],
      ['(str/blank? "  ")', 'true'],
      ['(str/blank? nil)', 'true'],
      ['(str/capitalize "hELLO")', '"Hello"'],
      ['(pr-str "a" :b [1])', '"\\"a\\" :b [1]"'],
      ['(keyword "abc")', ':abc'],
      ['(keyword "ns" "abc")', ':ns/abc'],
      ['(name :abc)', '"abc"'],
      ['(name :ns/abc)', '"abc"'],
      ['(name "s")', '"s"'],
      ['(parse-long "42")', '42'],
      ['(parse-long "4.2")', 'nil'],
      ['(parse-double "4.5")', '4.5'],
      ['(parse-double "x")', 'nil'],
    ])
  })

  test('numbers and comparison', async () => {
    await check([
      ['(+)', '0'],
      ['(+ 1 2 3)', '6'],
      ['(- 5)', '-5'],
      ['(- 10 1 2)', '7'],
      ['(* 2 3 4)', '24'],
      ['(/ 10 2)', '5'],
      ['(/ 7 2)', '3.5'],
      ['(/ 4)', '0.25'],
      ['(quot 7 2)', '3'],
      ['(quot -7 2)', '-3'],
      ['(rem -7 2)', '-1'],
      ['(mod -7 2)', '1'],
      ['(mod 7 -2)', '-1'],
      ['(inc 1)', '2'],
      ['(dec 1)', '0'],
      ['(max 1 5 3)', '5'],
      ['(min 4 2 8)', '2'],
      ['(abs -3)', '3'],
      ['(+ 1N 2)', '3N'],
      ['(< 1 2 3)', 'true'],
      ['(< 1 3 2)', 'false'],
      ['(>= 3 3 1)', 'true'],
      ['(= 1 1.0)', 'true'],
      ['(= {:a [1 2]} {:a [1 2]})', 'true'],
      ["(= [1 2] '(1 2))", 'true'],
      ['(not= 1 2)', 'true'],
      ['(compare "a" "b")', '-1'],
      ['(zero? 0)', 'true'],
      ['(pos? -1)', 'false'],
      ['(neg? -1)', 'true'],
      ['(even? 4)', 'true'],
      ['(odd? -3)', 'true'],
    ])
  })

  test('predicates', async () => {
    await check([
      ['(not nil)', 'true'],
      ['(nil? nil)', 'true'],
      ['(some? false)', 'true'],
      ['[(number? 1) (number? "1")]', '[true false]'],
      ['[(string? "s") (keyword? :k) (map? {}) (vector? []) (coll? #{}) (boolean? false)]', '[true true true true true true]'],
      ['[(int? 1) (int? 1.5) (coll? "s")]', '[true false false]'],
    ])
  })

  test('keywords, maps, sets and vectors are functions', async () => {
    await check([
      ['(:a {:a 1})', '1'],
      ['(:b {:a 1} :dflt)', ':dflt'],
      ['(:a nil)', 'nil'],
      ['({:a 1} :a)', '1'],
      ['({:a 1} :b 2)', '2'],
      ['(#{1 2} 1)', '1'],
      ['(#{1 2} 3)', 'nil'],
      ['([10 20] 0)', '10'],
      ['(map {:a 1 :b 2} [:a :b])', '[1 2]'],
    ])
    expect((await failure('([1] 5)')).message).toMatch(/vector: index 5 out of bounds/)
  })

  test('bad arguments name the function and never leak a TypeError', async () => {
    for (const [code, pattern] of [
      ['(first 5)', /^first: expected a collection, got 5 \(number\) in \(first 5\)$/],
      ['(+ 1 "a")', /^\+: expected a number, got "a" \(string\)/],
      ['(inc nil)', /^inc: expected a number, got nil/],
      ['(str/upper-case 5)', /^clojure.string\/upper-case: expected a string/],
      ['(/ 1 0)', /^\/: divide by zero/],
      ['(nth [1] 3)', /^nth: index 3 out of bounds/],
      ['(assoc [1] 5 1)', /^assoc: index 5 out of bounds/],
      ['(subs "abc" 2 9)', /^subs: range 2..9 out of bounds/],
      ['(sort [1 "a"])', /^compare: cannot compare/],
      ['(map 5 [1])', /cannot call 5 \(number\) as a function/],
      ['(count 5)', /^count: expected a collection/],
      ['(range 1e12)', /^range: too many items/],
    ] as const) {
      const err = await failure(code)
      expect(err.code, code).toBe('run_failed')
      expect(err.message, code).toMatch(pattern)
      expect(err.constructor.name, code).not.toBe('TypeError')
    }
  })

  test('CORE_FUNCTIONS lists the documented names', () => {
    for (const name of ['get-in', 'update-in', 'reduce-kv', 'clojure.string/join', 'parse-long', 'pr-str', 'sort-by']) expect(CORE_FUNCTIONS).toContain(name)
    expect(CORE_FUNCTIONS.some((n) => n.startsWith('flow/'))).toBe(false)
  })
})
