/**
 * Issue 13 "check before running", through `bin/run.js --json`: Breyta's newer keys are real
 * (a `:schedules` entry fires through the daemon, `:ok-exit-codes` lets an exit pass), unknown
 * keys warn, misspellings refuse with a suggestion, push refuses what validate refuses, and a
 * run's input is checked before the run exists.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {listRuns, readRunEvents, releaseFlow} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-check-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
const file = (name: string, text: string) => {
  const p = path.join(t.root, name)
  fs.writeFileSync(p, text)
  return p
}

describe("Breyta's newer keys", () => {
  it('a :schedules entry in the newer shape fires through the daemon', async () => {
    t.writeFlow(
      'tick',
      `{:slug :tick :name "tick"
 :schedules [{:id :every-second :label "Every second" :invocation :default :enabled true :cron "* * * * * *" :timezone "UTC"}]
 :flow (flow/step :exec :hello {:command ["sh" "-c" "echo tick"]})}
`,
    )
    const shown = await run('flows', 'show', 'tick')
    expect(shown.json.data.triggers).toEqual([{type: 'schedule', cron: '* * * * * *', timezone: 'UTC'}])
    await releaseFlow(t.ws, 'tick')
    const d = await spawnDaemon(t.root)
    const fired = await until(async () => (await listRuns(t.ws, {limit: 50})).items.find((r) => r.flow === 'tick' && r.status === 'completed'), 20_000)
    await d.stop()
    expect(readRunEvents(t.ws.layout, fired.id)[0]).toMatchObject({type: 'run_created', trigger: 'schedule', target: 'live'})
  }, 60_000)

  it(':enabled false leaves a schedule out; :interfaces :manual and :webhook are triggers', async () => {
    t.writeFlow(
      'mix',
      `{:slug :mix :name "mix"
 :schedules [{:id :off :cron "0 9 * * *" :enabled false}]
 :interfaces {:manual [{:id :run :label "Run"}] :webhook [{:id :orders :enabled true :auth {:secret :hook-secret}}]}
 :flow (flow/input)}
`,
    )
    expect((await run('flows', 'show', 'mix')).json.data.triggers).toEqual([{type: 'manual'}, {type: 'webhook', secret: 'hook-secret'}])
    t.writeFlow('mcp', `{:slug :mcp :name "mcp" :interfaces {:mcp [{:id :tool}]} :flow (flow/input)}`)
    const v = await run('flows', 'validate', 'mcp')
    expect([v.code, v.json.error?.code]).toEqual([2, 'invalid_flow'])
    expect(v.json.error!.details.problems).toMatchObject([
      {path: 'interfaces.mcp', message: ':mcp interfaces are not supported locally (use :manual or :webhook)', line: 1},
    ])
  })

  it(':ok-exit-codes [0 3] lets an exit 3 pass (exec); without it the step fails', async () => {
    t.writeFlow(
      'three',
      `{:slug :three :name "three"
 :flow (let [r (flow/step :exec :e {:command ["sh" "-c" "echo out; exit 3"] :ok-exit-codes [0 3]})] {:code (:exit-code r) :out (:stdout r)})}`,
    )
    const ok = await run('flows', 'run', 'three', '--wait')
    expect(ok.code).toBe(0)
    expect(ok.json.data).toMatchObject({status: 'completed', output: {code: 3, out: 'out\n'}})
    t.writeFlow('strict', `{:slug :strict :name "strict" :flow (flow/step :exec :e {:command ["sh" "-c" "echo bad >&2; exit 3"]})}`)
    const failed = await run('flows', 'run', 'strict', '--wait')
    expect(failed.code).toBe(5)
    expect(failed.json.error!.details.error).toMatchObject({code: 'step_failed', step: 'e', details: {'exit-code': 3, 'stderr-tail': 'bad\n'}})
    t.writeFlow('badcodes', `{:slug :badcodes :name "b" :flow (flow/step :exec :e {:command ["true"] :ok-exit-codes [0 "x"]})}`)
    expect((await run('flows', 'validate', 'badcodes')).json.error!.details.problems[0].message).toContain(':ok-exit-codes must be a non-empty vector')
  })

  it(':invocations required inputs are checked when a run starts (invalid_input naming the field)', async () => {
    t.writeFlow(
      'order',
      `{:slug :order :name "order"
 :invocations {:default {:inputs [{:name :order-id :type :text :required true :label "Order ID"}]}}
 :flow (flow/input)}`,
    )
    const missing = await run('flows', 'run', 'order')
    expect(missing.code).toBe(2)
    expect(missing.json.error).toMatchObject({code: 'invalid_input', details: {missing: ['order-id'], flow: 'order'}})
    expect((await run('flows', 'run', 'order', '--input', '{"order-id": "A1"}')).json.data.status).toBe('completed')
  })
})

describe('validate and push', () => {
  const FLOW = (extra: string, step = '') => `{:slug :v :name "v"${extra}
 :flow (flow/step :sleep :nap {:duration "1s"${step}})}
`

  it('unknown keys are warnings in data.warnings; a misspelt known key is an error with a suggestion', async () => {
    const ok = await run('flows', 'validate', '--file', file('w.edn', FLOW('\n :colour "red"', ' :mood :happy')))
    expect(ok.code).toBe(0)
    expect(ok.json.data.warnings).toMatchObject([
      {path: 'colour', line: 2, message: expect.stringContaining('unknown top-level key :colour is ignored')},
      {path: 'flow[nap].mood', line: 3, message: expect.stringContaining('unknown :sleep step key :mood is ignored')},
    ])
    const bad = await run('flows', 'validate', '--file', file('m.edn', FLOW('\n :descripton "x"', ' :timout "5s"')))
    expect(bad.code).toBe(2)
    expect(bad.json.error!.details.problems).toEqual([
      {path: 'descripton', message: 'unknown top-level key :descripton; did you mean :description?', line: 2, column: 14, file: expect.any(String)},
      {
        path: 'flow[nap].timout',
        message: 'unknown :sleep step key :timout; did you mean :timeout?',
        line: 3,
        column: expect.any(Number),
        file: expect.any(String),
      },
    ])
  })

  it('zero and negative durations are caught by validation', async () => {
    const zero = await run('flows', 'validate', '--file', file('z.edn', `{:slug :z :name "z" :flow (flow/step :sleep :nap {:duration "0s"})}`))
    expect(zero.json.error!.details.problems).toMatchObject([{path: 'flow[nap]', message: ':duration: a duration must be longer than zero', line: 1}])
    const negative = await run('flows', 'validate', '--file', file('n.edn', `{:slug :n :name "n" :flow (flow/step :wait :w {:key "k" :timeout -5})}`))
    expect(negative.json.error!.details.problems).toMatchObject([{path: 'flow[w].timeout', message: 'a duration must not be negative', line: 1}])
  })

  it('push refuses what validate refuses (a missing connection, with line/column) unless --force', async () => {
    const f = file(
      'c.edn',
      `{:slug :c :name "c"
 :flow (flow/step :http :get {:connection :nowhere :path "/x"})}`,
    )
    const v = await run('flows', 'validate', '--file', f)
    expect(v.json.error!.details.problems).toMatchObject([
      {path: 'flow[get].connection', line: 2, message: expect.stringContaining('unknown connection :nowhere')},
    ])
    const pushed = await run('flows', 'push', f)
    expect([pushed.code, pushed.json.error?.code]).toEqual([2, 'invalid_flow'])
    const noFile = (ps: {file?: string}[]) => ps.map(({file: _f, ...p}) => p)
    expect(noFile(pushed.json.error!.details.problems)).toEqual(noFile(v.json.error!.details.problems))
    expect(pushed.json.error!.hint).toContain('--force')
    expect(fs.existsSync(path.join(t.root, '.breyta', 'flows', 'c.edn'))).toBe(false)
    const forced = await run('flows', 'push', f, '--force')
    expect(forced.code).toBe(0)
    expect(forced.json.data).toMatchObject({slug: 'c', changed: true, problems: [{path: 'flow[get].connection'}]})
  })
})

describe('run input', () => {
  it('--input must be a JSON object; a keyed run without its key path is invalid_input naming the path', async () => {
    t.writeFlow('k', `{:slug :k :name "k" :concurrency {:type :keyed :key [[:pr :number]] :max 1} :flow (flow/input)}`)
    const arr = await run('flows', 'run', 'k', '--input', '[1,2]')
    expect([arr.code, arr.json.error?.code, arr.json.error?.message]).toEqual([2, 'invalid_input', '--input must be a JSON object, but it is an array'])
    const nokey = await run('flows', 'run', 'k', '--input', '{"pr": {}}')
    expect(nokey.code).toBe(2)
    expect(nokey.json.error).toMatchObject({code: 'invalid_input', details: {path: ['pr', 'number'], flow: 'k'}})
    expect(nokey.json.error!.message).toContain('[:pr :number]')
    expect((await run('flows', 'run', 'k', '--input', '{"pr": {"number": 7}}')).json.data.status).toBe('completed')
    const nofile = await run('flows', 'run', 'k', '--input-file', 'missing.json')
    expect([nofile.code, nofile.json.error?.code, nofile.json.error?.message]).toEqual([2, 'invalid_input', '--input-file missing.json: no such file'])
  })
})

describe('resource refs', () => {
  it('(count ref), (clojure.string/split-lines ref) on a res:// ref fail naming the ref; its :size stays readable; a step gets the content', async () => {
    const gen = `(flow/step :exec :gen {:command ["sh" "-c" "yes a | head -c 70000"]})`
    t.writeFlow('big', `{:slug :big :name "big" :flow (let [r ${gen}] (count (:stdout r)))}`)
    const counted = await run('flows', 'run', 'big', '--wait')
    expect(counted.code).toBe(5)
    expect(counted.json.error!.details.error.message).toMatch(/^count: got a resource ref \(res:\/\/.*, 70000 bytes\) where its content was meant/)
    t.writeFlow(
      'big2',
      `{:slug :big2 :name "big2"
 :functions [{:id :len :language :clojure :code "(fn [s] (count s))"}]
 :flow (let [r ${gen}] (flow/step :function :len {:ref :len :input (:stdout r)}))}`,
    )
    const resolved = await run('flows', 'run', 'big2', '--wait')
    expect(resolved.json.data).toMatchObject({status: 'completed', output: 70000})
    t.writeFlow('big3', `{:slug :big3 :name "big3" :flow (let [r ${gen}] (clojure.string/split-lines (:stdout r)))}`)
    const split = await run('flows', 'run', 'big3', '--wait')
    expect(split.json.error!.details.error.message).toMatch(
      /^clojure\.string\/split-lines: got a resource ref \(res:\/\/.*, 70000 bytes\) where its content was meant/,
    )
    t.writeFlow('big4', `{:slug :big4 :name "big4" :flow (let [r ${gen}] [(:size (:stdout r)) (:content-type (:stdout r))])}`)
    expect((await run('flows', 'run', 'big4', '--wait')).json.data).toMatchObject({status: 'completed', output: [70000, 'text/plain; charset=utf-8']})
  })
})
