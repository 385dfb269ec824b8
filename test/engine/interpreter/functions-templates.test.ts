import {describe, expect, test} from 'vitest'
import {printEdn} from '../../../src/engine/edn/print.js'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {callFunction, renderTemplate} from '../../../src/engine/interpreter/index.js'
import {flowDef, readEdn} from './helpers.js'

describe('callFunction', () => {
  const flow = flowDef('nil', {
    functions: new Map([
      ['summarize', {id: 'summarize', language: 'clojure', code: '(fn [input] {:count (count (:items input))})'}],
      ['steps', {id: 'steps', language: 'clojure', code: '(fn [x] (flow/step :http :a {}))'}],
      ['not-fn', {id: 'not-fn', language: 'clojure', code: '{:a 1}'}],
    ]),
    templates: new Map([['t', 'n={{n}}']]),
  })

  test('applies a :functions entry by id', async () => {
    expect(printEdn(await callFunction(flow, {ref: 'summarize'}, emap({items: [1, 2, 3]})))).toBe('{:count 3}')
  })

  test('applies a code string, with destructuring and templates', async () => {
    const out = await callFunction(flow, {code: '(fn [{:keys [n]}] (flow/template :t {:n (* n 2)}))'}, emap({n: 4}))
    expect(out).toBe('n=8')
  })

  test('flow/step is not available inside a function', async () => {
    await expect(callFunction(flow, {ref: 'steps'}, null)).rejects.toMatchObject({
      code: 'run_failed',
      message: expect.stringMatching(/flow\/step is not available inside a :functions entry/),
    })
  })

  test('unknown refs, non-functions and runtime errors are run_failed', async () => {
    await expect(callFunction(flow, {ref: 'missing'}, null)).rejects.toMatchObject({code: 'run_failed', message: "unknown function 'missing'"})
    await expect(callFunction(flow, {ref: 'not-fn'}, null)).rejects.toMatchObject({
      code: 'run_failed',
      message: expect.stringMatching(/must evaluate to a function/),
    })
    await expect(callFunction(flow, {code: '(fn [x] (inc x))'}, 'a')).rejects.toMatchObject({
      code: 'run_failed',
      message: expect.stringMatching(/^inc: expected a number/),
    })
  })

  test('the same function is reused (compiled once per flow and id)', async () => {
    const a = await callFunction(flow, {code: '(fn [x] (fn [] x))'}, 1)
    const b = await callFunction(flow, {code: '(fn [x] (fn [] x))'}, 2)
    expect(a).not.toBe(b)
    const many = await Promise.all([1, 2, 3].map((n) => callFunction(flow, {ref: 'summarize'}, emap({items: Array(n).fill(0)}))))
    expect(many.map(printEdn)).toEqual(['{:count 1}', '{:count 2}', '{:count 3}'])
  })
})

describe('renderTemplate', () => {
  const data = readEdn(
    '{:repo "breyta" :pr {:number 12 :labels [:bug "ui"]} "title" "Fix" :items [{:title "one"} {:title "two"}] :n 1.5 :ok true :kw :done :none nil}',
  )

  test('interpolates keyword keys, string keys and vector indexes', () => {
    expect(renderTemplate('{{repo}}#{{pr.number}}: {{title}} / {{items.1.title}}', data)).toBe('breyta#12: Fix / two')
  })

  test('allows whitespace inside braces and renders missing paths as empty', () => {
    expect(renderTemplate('[{{  repo }}][{{nope.deeper}}][{{items.9.title}}][{{none}}]', data)).toBe('[breyta][][][]')
  })

  test('renders non-strings: numbers plainly, keywords by name, data as JSON', () => {
    expect(renderTemplate('{{n}} {{ok}} {{kw}} {{pr.labels}} {{items.0}}', data)).toBe('1.5 true done ["bug","ui"] {"title":"one"}')
  })

  test('leaves text without placeholders alone', () => {
    expect(renderTemplate('no {placeholders} here }}{{', emap({}))).toBe('no {placeholders} here }}{{')
    expect(renderTemplate('{{a}}', new Map([[kw('a'), 'x']]))).toBe('x')
  })
})
