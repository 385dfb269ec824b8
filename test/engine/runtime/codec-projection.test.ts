import {describe, expect, it} from 'vitest'
import {decode, encode, fromJson, toJson} from '../../../src/engine/edn/json.js'
import {readEdn} from '../../../src/engine/edn/read.js'
import {equals, kw, List, Tagged} from '../../../src/engine/edn/values.js'
import {projectRun} from '../../../src/engine/journal/projection.js'
import type {JournalEvent} from '../../../src/engine/journal/events.js'

describe('lossless journal encoding', () => {
  it('round-trips every EDN kind exactly', () => {
    const v = readEdn(
      '{:k :v, "s" "~tilde", :n 12345678901234567890N, :f 1.5, :set #{1 :a "b"}, :list (1 2), [1 2] {:nested [nil true]}, :inst #inst "2026-01-01T00:00:00Z", :tag #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}',
    )
    const back = decode(JSON.parse(JSON.stringify(encode(v))))
    expect(equals(back, v)).toBe(true)
  })

  it('keeps keywords and strings apart', () => {
    const back = decode(
      encode(
        new Map<never, never>([
          [kw('decision') as never, kw('approved') as never],
          ['decision' as never, 'approved' as never],
        ]),
      ),
    )
    expect(back).toEqual(
      new Map<unknown, unknown>([
        [kw('decision'), kw('approved')],
        ['decision', 'approved'],
      ]),
    )
  })
})

describe('the SPEC §6 JSON mapping', () => {
  it('turns keywords into strings, keyword keys into string keys and sets into arrays', () => {
    expect(toJson(readEdn('{:decision :approved :tags #{:a} :list (1 2) :ns/k 1}'))).toEqual({decision: 'approved', tags: ['a'], list: [1, 2], 'ns/k': 1})
  })

  it('reads JSON objects as maps with keyword keys', () => {
    const v = fromJson({pr: 1, nested: {a: [1, {b: 'x'}]}})
    expect(equals(v, readEdn('{:pr 1 :nested {:a [1 {:b "x"}]}}'))).toBe(true)
  })

  it('leaves values that are already EDN alone', () => {
    const list = new List([1])
    const tagged = new Tagged('x', 1)
    expect(fromJson({a: kw('k'), l: list, t: tagged})).toEqual(
      new Map<unknown, unknown>([
        [kw('a'), kw('k')],
        [kw('l'), list],
        [kw('t'), tagged],
      ]),
    )
  })
})

describe('projection', () => {
  const at = (s: number) => `2026-11-24T00:00:0${s}.000Z`
  const events = [
    {seq: 1, at: at(0), type: 'run_created', run: 'R', flow: 'f', target: 'draft', version: null, sha256: 'x', input: {'~:pr': 1}},
    {seq: 2, at: at(1), type: 'run_started', pid: 1},
    {seq: 3, at: at(1), type: 'step_started', step: 'a', stepType: 'http', position: '0', attempt: 1, input: {'~:url': 'u'}},
    {seq: 4, at: at(2), type: 'step_attempt_failed', step: 'a', position: '0', attempt: 1, error: {code: 'step_failed', message: '503'}, retryInMs: 10},
    {seq: 5, at: at(2), type: 'step_started', step: 'a', stepType: 'http', position: '0', attempt: 2, input: {'~:url': 'u'}},
    {seq: 6, at: at(3), type: 'step_completed', step: 'a', stepType: 'http', position: '0', attempt: 2, output: {'~:status': 200}},
    {seq: 7, at: at(3), type: 'step_started', step: 'ok', stepType: 'wait', position: '1', attempt: 1, input: {}},
    {seq: 8, at: at(3), type: 'wait_opened', step: 'ok', position: '1', key: 'ok', onTimeout: 'fail', approval: {prompt: 'Ship?'}},
    {seq: 9, at: at(3), type: 'run_parked', status: 'waiting'},
  ] as JournalEvent[]

  it('folds the journal into the runs show shape', () => {
    const view = projectRun(events)!
    expect(view).toMatchObject({id: 'R', status: 'waiting', input: {pr: 1}, 'current-step': 'ok', seq: 9})
    expect(view.steps).toEqual([
      expect.objectContaining({id: 'a', type: 'http', status: 'completed', attempts: 2, output: {status: 200}, 'started-at': at(1), 'finished-at': at(3)}),
      expect.objectContaining({id: 'ok', type: 'wait', status: 'waiting', attempts: 1}),
    ])
    expect(view.waits).toEqual([expect.objectContaining({key: 'ok', status: 'open', approval: {prompt: 'Ship?'}})])
  })

  it('records who completed a wait, with the decision as a string in JSON', () => {
    const done = projectRun([
      ...events,
      {
        seq: 10,
        at: at(4),
        type: 'wait_completed',
        key: 'ok',
        payload: {'~:decision': '~:approved', '~:by': 'ada'},
        source: 'cli',
        by: 'ada',
        decision: 'approved',
      },
      {
        seq: 11,
        at: at(4),
        type: 'step_completed',
        step: 'ok',
        stepType: 'wait',
        position: '1',
        attempt: 1,
        output: {'~:decision': '~:approved', '~:by': 'ada'},
      },
      {seq: 12, at: at(5), type: 'run_completed', output: '~:shipped'},
    ] as JournalEvent[])!
    expect(done).toMatchObject({status: 'completed', output: 'shipped', 'finished-at': at(5)})
    expect(done.waits[0]).toMatchObject({status: 'completed', payload: {decision: 'approved', by: 'ada'}, 'completed-by': 'ada'})
  })
})
