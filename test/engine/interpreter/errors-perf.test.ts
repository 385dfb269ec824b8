import {describe, expect, test} from 'vitest'
import {emap} from '../../../src/engine/edn/values.js'
import {callFunction, evaluateFlow} from '../../../src/engine/interpreter/index.js'
import {failure, flowDef, recordingHost, run} from './helpers.js'

describe('errors', () => {
  test('unknown symbols name the symbol and the form', async () => {
    const err = await failure('(let [x 1] (inc (fetch-data x)))')
    expect(err.code).toBe('run_failed')
    expect(err.message).toBe("unknown function 'fetch-data' in (fetch-data x)")
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
  // Its speed is measured by `npm run bench` (workload A, ms per step), never by a timed test.
  test('a 1,000-step loop calls each step once, in order, with its own position', async () => {
    const body = '(loop [i 0 acc []] (if (< i 1000) (recur (inc i) (conj acc (:i (flow/step :function (str "s" i) {:input {:i i}})))) (count acc)))'
    const host = recordingHost({respond: (c) => emap({i: c.position})})
    expect(await run(body, host)).toBe(1000)
    expect(host.calls.map((c) => c.id)).toEqual(Array.from({length: 1000}, (_, i) => `s${i}`))
    expect(new Set(host.calls.map((c) => c.position)).size).toBe(1000)
  })

  test('a pure loop of a million iterations does not grow the stack', async () => {
    expect(await run('(loop [i 0] (if (< i 1000000) (recur (inc i)) i))')).toBe(1000000)
  })
})

describe('compute budget', () => {
  const budget = {budgetMs: 200}

  test('an endless pure loop fails the run instead of blocking the engine', async () => {
    for (const body of ['(loop [i 0] (recur (inc i)))', '(loop [] (recur))', '(loop [m {}] (recur (assoc m :n (count m))))', '((fn [n] (recur n)) 0)']) {
      const started = Date.now()
      const err = await evaluateFlow(flowDef(body), recordingHost(), budget).then(
        () => undefined,
        (e: unknown) => e as {code: string; message: string},
      )
      expect(err, body).toMatchObject({code: 'resource_exhausted', message: expect.stringMatching(/computed for \d+ s without reaching a step/)})
      expect(Date.now() - started, body).toBeLessThan(10_000)
    }
  })

  test('time inside steps does not count, and each step returned starts a fresh budget', async () => {
    // Twelve steps of 50 ms, each after 20,000 calls (a budget check or two): 600 ms in all,
    // three times the 200 ms budget, yet no stretch between two steps comes near it.
    const host = recordingHost({respond: (call) => new Promise((r) => setTimeout(() => r(call.config), 50))})
    const out = await evaluateFlow(
      flowDef('(reduce (fn [acc i] (+ acc (reduce (fn [a b] (+ a b)) 0 (range 20000)) (:i (flow/step :function :s {:i i})))) 0 (range 12))'),
      host,
      budget,
    )
    expect(out).toBe(12 * 199990000 + 66)
    expect(host.calls).toHaveLength(12)
  })

  test('an endless loop in a :functions entry fails the call', async () => {
    const flow = flowDef('nil', {functions: new Map([['spin', {id: 'spin', language: 'clojure', code: '(fn [x] (loop [n x] (recur (inc n))))'}]])})
    await expect(callFunction(flow, {ref: 'spin'}, 0, budget)).rejects.toMatchObject({
      code: 'resource_exhausted',
      message: expect.stringMatching(/without reaching a step/),
    })
  })
})
