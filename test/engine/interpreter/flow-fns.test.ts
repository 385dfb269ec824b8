import {describe, expect, test} from 'vitest'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {BreytaError} from '../../../src/engine/errors.js'
import {Suspend} from '../../../src/engine/interpreter/index.js'
import {failure, recordingHost, run, show} from './helpers.js'

describe('flow/ functions', () => {
  test('input, run id, now and callback urls come from the host', async () => {
    const host = recordingHost({input: emap({pr: 7})})
    expect(await show('[(:pr (flow/input)) (flow/run-id) (flow/now) (flow/callback-url :approve) (flow/callback-url "k2")]', host)).toBe(
      '[7 "run-1" "2025-01-02T03:04:05.000Z" "http://127.0.0.1:7777/callbacks/run-1/approve" "http://127.0.0.1:7777/callbacks/run-1/k2"]',
    )
  })

  test('flow/step passes the type name, the id name, the evaluated config and a position', async () => {
    const host = recordingHost({respond: () => emap({status: 200})})
    const out = await show('(let [pr 3 r (flow/step :http :fetch-pr {:path (str "/pulls/" pr)})] [(:status r) (flow/step :wait "approve" {:key "k"})])', host)
    expect(out).toBe('[200 {:status 200}]')
    expect(host.calls).toEqual([
      {type: 'http', id: 'fetch-pr', config: emap({path: '/pulls/3'}), position: '0'},
      {type: 'wait', id: 'approve', config: emap({key: 'k'}), position: '1'},
    ])
  })

  test('flow/step checks its type and id', async () => {
    expect((await failure('(flow/step "http" :a {})')).message).toMatch(/^flow\/step: the step type must be a keyword like :http, got "http"/)
    expect((await failure('(flow/step :http 5 {})')).message).toMatch(/^flow\/step: the step id must be a keyword or a non-empty string, got 5/)
  })

  test('a repeated step id gets #2, #3 (loops and branches), deterministically', async () => {
    const host = recordingHost()
    await run(
      '(do (loop [i 0] (when (< i 3) (flow/step :f :poll {:i i}) (recur (inc i)))) (if true (flow/step :f :x {}) nil) (when true (flow/step :f :x {})))',
      host,
    )
    expect(host.calls.map((c) => [c.id, c.position])).toEqual([
      ['poll', '0'],
      ['poll#2', '1'],
      ['poll#3', '2'],
      ['x', '3'],
      ['x#2', '4'],
    ])
  })

  test('flow/map bounds concurrency and returns results in order', async () => {
    // Later items answer sooner, so completion order differs from item order.
    const host = recordingHost({
      tick: true,
      respond: async (c) => {
        const x = (c.config as Map<unknown, unknown>).get(kw('x')) as number
        for (let i = 0; i < 10 - x; i++) await new Promise((r) => setImmediate(r))
        return x * 10
      },
    })
    expect(await show('(flow/map (range 10) (fn [x] (flow/step :http :fetch {:x x})) {:concurrency 3})', host)).toBe('[0 10 20 30 40 50 60 70 80 90]')
    expect(host.maxInFlight).toBe(3)
    expect(host.calls.map((c) => c.id).sort()).toEqual([...Array(10).keys()].map((i) => `fetch[${i}]`).sort())
  })

  test('flow/map defaults to 4 in flight', async () => {
    const host = recordingHost({tick: true})
    await run('(flow/map (range 9) (fn [x] (flow/step :f :s {:x x})))', host)
    expect(host.maxInFlight).toBe(4)
  })

  test('flow/map ids and positions do not depend on timing', async () => {
    const body = `(let [a (flow/step :f :before {})
                        r (flow/map [:a :b] (fn [x] [(flow/step :f :fetch {:x x})
                                                   (flow/map [1 2 3] (fn [y] (flow/step :f :fetch {:y y})) {:concurrency 2})
                                                   (flow/step :f :fetch {:x x})]))
                        z (flow/step :f :after {})]
                    (count r))`
    const seen: string[][] = []
    for (const tick of [false, true]) {
      const host = recordingHost({tick})
      expect(await show(body, host)).toBe('2')
      seen.push(host.calls.map((c) => `${c.position} ${c.id}`).sort())
    }
    expect(seen[0]).toEqual(seen[1])
    expect(seen[0]).toEqual(
      [
        '0 before',
        '1[0].0 fetch[0]',
        '1[0].1[0].0 fetch[0][0]',
        '1[0].1[1].0 fetch[0][1]',
        '1[0].1[2].0 fetch[0][2]',
        '1[0].2 fetch[0]#2',
        '1[1].0 fetch[1]',
        '1[1].1[0].0 fetch[1][0]',
        '1[1].1[1].0 fetch[1][1]',
        '1[1].1[2].0 fetch[1][2]',
        '1[1].2 fetch[1]#2',
        '2 after',
      ].sort(),
    )
  })

  test('flow/map: a Suspend lets the other items run and settle, then is rethrown', async () => {
    const host = recordingHost({
      tick: true,
      respond: (c) => {
        if (c.type === 'wait') throw new Suspend(`wait ${c.id}`)
        return 'ok'
      },
    })
    const err = await run('(flow/map [1 2 3] (fn [x] (if (= x 1) (flow/step :wait :approve {}) (flow/step :http :work {:x x}))) {:concurrency 1})', host).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(Suspend)
    expect(host.calls.map((c) => c.id)).toEqual(['approve[0]', 'work[1]', 'work[2]'])
  })

  test('flow/map: the first failure by index wins over a Suspend and later failures, after all settle', async () => {
    let settled = 0
    const slowly = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
      settled++
    }
    const host = recordingHost({
      tick: true,
      respond: async (c) => {
        const x = (c.config as Map<unknown, unknown>).get(kw('x')) as number
        if (x === 0) throw new Suspend('zero waits')
        if (x === 2) throw new BreytaError('step_failed', 'two failed')
        await slowly()
        if (x === 1) throw new BreytaError('step_failed', 'one failed')
        return x
      },
    })
    const err = await run('(flow/map [0 1 2 3] (fn [x] (flow/step :http :s {:x x})))', host).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BreytaError)
    expect((err as BreytaError).message).toBe('one failed')
    expect(settled).toBe(2)
  })

  test('flow/map launches no new items after a failure', async () => {
    const host = recordingHost({
      respond: () => {
        throw new BreytaError('step_failed', 'nope')
      },
    })
    await expect(run('(flow/map [0 1 2] (fn [x] (flow/step :http :s {:x x})) {:concurrency 1})', host)).rejects.toThrow('nope')
    expect(host.calls.map((c) => c.id)).toEqual(['s[0]'])
  })

  test('flow/map checks its options', async () => {
    expect((await failure('(flow/map [1] inc {:concurrency 0})')).message).toMatch(/:concurrency must be a positive integer/)
    expect(await show('(flow/map [1 2] inc)')).toBe('[2 3]')
  })

  test('a Suspend from a top-level step propagates unchanged', async () => {
    const host = recordingHost({
      respond: () => {
        throw new Suspend('waiting')
      },
    })
    await expect(run('(let [x (flow/step :wait :w {})] (inc x))', host)).rejects.toBeInstanceOf(Suspend)
  })

  test('host errors pass through untouched', async () => {
    const boom = new Error('disk full')
    const host = recordingHost({
      respond: () => {
        throw boom
      },
    })
    await expect(run('(:a (flow/step :http :s {}))', host)).rejects.toBe(boom)
  })

  test('flow/fail throws run_failed with the data as JSON', async () => {
    const err = await failure('(flow/fail "bad input" {:field :pr :n 1})')
    expect(err).toBeInstanceOf(BreytaError)
    expect(err.code).toBe('run_failed')
    expect(err.message).toBe('bad input')
    expect(err.details).toEqual({data: {field: 'pr', n: 1}})
  })

  test('flow/template renders a :templates entry; an unknown id fails', async () => {
    const templates = new Map([['greet', 'Hi {{ user.name }}, {{count}} new']])
    expect(await run('(flow/template :greet {:user {:name "Ada"} :count 3})', recordingHost(), {templates})).toBe('Hi Ada, 3 new')
    expect((await failure('(flow/template :nope {})', recordingHost(), {templates})).message).toMatch(/flow\/template: unknown template 'nope'/)
  })

  test('the SPEC §3 example body runs end to end', async () => {
    const body = `'(let [input (flow/input)
                        pr    (flow/step :http :fetch-pr {:connection :gh :path (str "/pulls/" (:pr input))})
                        ok    (flow/step :wait :approve {:key "approve" :approval {:prompt "Merge?"} :timeout "24h"})]
                    (if (= :approved (:decision ok))
                      (flow/step :ssh :apply {:host "build-1" :command "make deploy"})
                      {:skipped true}))`
    const approving = recordingHost({input: emap({pr: 42}), respond: (c) => (c.type === 'wait' ? emap({decision: kw('approved')}) : emap({exit_code: 0}))})
    expect(await show(body, approving)).toBe('{:exit_code 0}')
    expect(approving.calls.map((c) => `${c.position} ${c.type} ${c.id}`)).toEqual(['0 http fetch-pr', '1 wait approve', '2 ssh apply'])
    expect((approving.calls[0]!.config as Map<unknown, unknown>).get(kw('path'))).toBe('/pulls/42')
    const rejecting = recordingHost({input: emap({pr: 42}), respond: (c) => (c.type === 'wait' ? emap({decision: kw('rejected')}) : null)})
    expect(await show(body, rejecting)).toBe('{:skipped true}')
  })
})
