import {describe, expect, test} from 'vitest'
import {emap} from '../../../src/engine/edn/values.js'
import {failure, recordingHost, run} from './helpers.js'

describe('errors', () => {
  test('unknown symbols name the symbol and the form', async () => {
    const err = await failure('(let [x 1] (inc (fetch-data x)))')
    expect(err.code).toBe('run_failed')
    expect(err.message).toBe("unknown symbol 'fetch-data' in (fetch-data x)")
    expect(err.details).toEqual({form: '(fetch-data x)'})
  })

  test('wrong arity for built-ins and closures', async () => {
    expect((await failure('(get {})')).message).toBe('get: wrong number of arguments (1) in (get {})')
    expect((await failure('((fn add [a b] (+ a b)) 1)')).message).toMatch(/^add: wrong number of arguments \(1\)/)
    expect((await failure('(:a)')).message).toMatch(/^:a: wrong number of arguments \(0\)/)
  })

  test('calling a non-function', async () => {
    expect((await failure('("abc" 1)')).message).toBe('cannot call "abc" (string) as a function in ("abc" 1)')
    expect((await failure('(nil)')).message).toMatch(/cannot call nil/)
  })

  test('special form syntax errors', async () => {
    expect((await failure('(let [a] a)')).message).toMatch(/^let: expects a binding vector with an even number of forms/)
    expect((await failure('(if)')).message).toMatch(/^if: expects/)
    expect((await failure('(fn 5)')).message).toMatch(/^fn: /)
    expect((await failure('(if-let [a 1 b 2] a)')).message).toMatch(/^if-let: expects exactly one binding/)
  })

  test('long forms are truncated in messages', async () => {
    const err = await failure(`(nosuch ${'"x" '.repeat(100)})`)
    expect((err.details!.form as string).length).toBeLessThanOrEqual(160)
    expect(err.details!.form as string).toMatch(/…$/)
  })

  test('errors after an async step still carry the form', async () => {
    const err = await failure('(let [r (flow/step :http :a {})] (first (:n r)))', recordingHost({respond: () => emap({n: 5})}))
    expect(err.message).toBe('first: expected a collection, got 5 (number) in (first (:n r))')
  })

  test('deep non-tail recursion becomes run_failed, not a RangeError', async () => {
    const err = await failure('((fn f [n] (if (zero? n) 0 (+ 1 (f (dec n))))) 1000000)')
    expect(err.code).toBe('run_failed')
    expect(err.message).toMatch(/recursion too deep/)
  })
})

describe('performance', () => {
  test('a 1,000-step loop costs far under 1 ms of engine time per step', async () => {
    const body = '(loop [i 0 acc []] (if (< i 1000) (recur (inc i) (conj acc (:i (flow/step :function (str "s" i) {:input {:i i}})))) (count acc)))'
    const host = recordingHost({respond: (c) => emap({i: c.position})})
    await run(body, host) // warm up the JIT
    const started = performance.now()
    expect(await run(body, recordingHost({respond: (c) => emap({i: c.position})}))).toBe(1000)
    const perStep = (performance.now() - started) / 1000
    expect(perStep).toBeLessThan(0.2)
  })

  test('a pure loop of a million iterations does not grow the stack', async () => {
    expect(await run('(loop [i 0] (if (< i 1000000) (recur (inc i)) i))')).toBe(1000000)
  })
})
