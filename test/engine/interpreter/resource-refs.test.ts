/**
 * A res:// ref map used where its content is meant fails naming the ref, in every core function
 * that would otherwise read it as ordinary data; its own keys stay readable so flows can pass it on.
 */
import {describe, expect, test} from 'vitest'
import {failure, show} from './helpers.js'

const REF = '{:ref "res://run-1/gen.stdout" :size 70000 :content-type "text/plain; charset=utf-8"}'

describe('resource refs in flow bodies', () => {
  test.each([
    ['count', '(count r)'],
    ['empty?', '(empty? r)'],
    ['not-empty', '(not-empty r)'],
    ['seq', '(seq r)'],
    ['first', '(first r)'],
    ['rest', '(rest r)'],
    ['nth', '(nth r 0)'],
    ['keys', '(keys r)'],
    ['vals', '(vals r)'],
    ['map', '(map identity r)'],
    ['filter', '(filter some? r)'],
    ['reduce', '(reduce conj [] r)'],
    ['reduce-kv', '(reduce-kv (fn [a k v] a) 0 r)'],
    ['into', '(into {} r)'],
    ['merge', '(merge {} r)'],
    ['get', '(get r :body)'],
    ['get-in', '(get-in {:out r} [:out :lines])'],
    ['get-in', '(get-in r [:body])'],
    [':lines', '(:lines r)'],
    ['contains?', '(contains? r :body)'],
    ['destructuring', '(let [{:keys [body]} r] body)'],
    ['str', '(str "got: " r)'],
    ['subs', '(subs r 0 10)'],
    ['clojure.string/upper-case', '(clojure.string/upper-case r)'],
    ['clojure.string/split-lines', '(clojure.string/split-lines r)'],
    ['clojure.string/includes?', '(clojure.string/includes? r "a")'],
    ['clojure.string/join', '(clojure.string/join "," [r])'],
  ])('%s on a ref fails naming it: %s', async (fname, code) => {
    const err = await failure(`(let [r ${REF}] ${code})`)
    // Errors raised inside a call name the form; destructuring has none to name.
    expect(err.message.replace(` in ${code}`, '')).toBe(
      `${fname}: got a resource ref (res://run-1/gen.stdout, 70000 bytes) where its content was meant: large step outputs are stored as resources; pass the ref in a step's config (steps receive the content, e.g. a :function step's :input), or use its :ref, :size or :content-type`,
    )
  })

  test('its own keys, equality and passing it on keep working', async () => {
    expect(await show(`(let [r ${REF}] [(:ref r) (:size r) (:content-type r) (get r :ref) (get-in {:o r} [:o :size]) (contains? r :size)])`)).toBe(
      '["res://run-1/gen.stdout" 70000 "text/plain; charset=utf-8" "res://run-1/gen.stdout" 70000 true]',
    )
    expect(await show(`(let [r ${REF} {:keys [ref size]} r] [(= r ${REF}) (map? r) ref size {:input r}])`)).toBe(
      `[true true "res://run-1/gen.stdout" 70000 {:input ${REF.replace(/ :/g, ', :')}}]`,
    )
  })

  test('a map that merely looks like a ref (other keys, or not res://) is ordinary data', async () => {
    expect(await show('(count {:ref "res://x" :size 1 :content-type "t" :extra 1})')).toBe('4')
    expect(await show('(count {:ref "http://x" :size 1 :content-type "t"})')).toBe('3')
    expect(await show('(keys {:ref "res://x" :size 1})')).toBe('[:ref :size]')
  })
})
