/**
 * Issue 12, limits with clear errors: long wait keys never share an inbox entry; nesting and
 * flow size limits give invalid_flow / invalid_input / HTTP 400 with a position, never
 * `internal`; a daemon that executes many runs leaks no abort listeners.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-limits-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})
const run = (args: string[]) => cli([...args, '--json'], {cwd: t.root})

describe('wait keys', () => {
  it('two 400-character keys that differ only at the end are two waits, each completed once', async () => {
    const prefix = 'k'.repeat(390)
    t.writeFlow(
      'long',
      `{:slug :long :name "long"
 :flow (let [a (flow/step :wait :a {:key "${prefix}-first"})
             b (flow/step :wait :b {:key "${prefix}-second"})]
         [(:n a) (:n b)])}`,
    )
    const r = await run(['flows', 'run', 'long'])
    expect(r.json.data?.status).toBe('waiting')
    const id = r.json.data.id
    const first = await run(['waits', 'complete', id, `${prefix}-first`, '--payload', '{"n": 1}'])
    expect(first.json.data, first.stdout).toMatchObject({status: 'waiting'})
    const second = await run(['waits', 'complete', id, `${prefix}-second`, '--payload', '{"n": 2}'])
    expect(second.code, second.stdout).toBe(0)
    const shown = await run(['runs', 'show', id])
    expect(shown.json.data).toMatchObject({status: 'completed', output: [1, 2]})
    expect(fs.readdirSync(t.ws.layout.runInbox(id))).toHaveLength(2)
  })
})

describe('nesting and size', () => {
  it('a flow nested 2,000 deep is invalid_flow with its position; input nested 2,000 deep is invalid_input', async () => {
    const deep = '['.repeat(2000) + ']'.repeat(2000)
    t.writeFlow('deep', `{:slug :deep :name "deep"\n :flow (count ${deep})}`)
    const v = await run(['flows', 'validate', 'deep'])
    expect(v.code).toBe(2)
    expect(v.json.error?.code ?? (v.json.data?.valid === false ? 'invalid_flow' : undefined)).toBe('invalid_flow')
    const r = await run(['flows', 'run', 'deep'])
    expect(r.code).toBe(2)
    expect(r.json.error).toMatchObject({code: 'invalid_flow', details: {problems: [{line: 2, column: 525, message: expect.stringContaining('512')}]}})

    t.writeFlow('echo', '{:slug :echo :name "echo" :flow (flow/input)}')
    const i = await run(['flows', 'run', 'echo', '--input', deep])
    expect(i.code).toBe(2)
    expect(i.json.error).toMatchObject({code: 'invalid_input', details: {'max-nesting': 512}})
    // 500 deep is fine end to end (reader, journal, projection); the input must be an object.
    const ok = await run(['flows', 'run', 'echo', '--input', `{"a": ${'['.repeat(499) + ']'.repeat(499)}}`])
    expect(ok.json.data?.status).toBe('completed')
  })

  it('a flow over :limits :flow-bytes (1 MiB by default) is refused before it is read, and the limit is configurable', async () => {
    const file = path.join(t.root, 'big.edn')
    fs.writeFileSync(file, `{:slug :big :name "big" :description "${'x'.repeat(2 * 1024 * 1024)}" :flow (flow/input)}`)
    const push = await run(['flows', 'push', file])
    expect(push.code).toBe(2)
    expect(push.json.error).toMatchObject({code: 'invalid_flow', details: {problems: [{line: 1, column: 1, message: expect.stringContaining('1048576')}]}})
    fs.writeFileSync(t.ws.layout.config, '{:limits {:flow-bytes 4194304}}\n')
    const again = await run(['flows', 'push', file])
    expect(again.code, again.stdout).toBe(0)
  })

  it('the daemon answers 400 to a callback or webhook body nested 2,000 deep, and stays up', async () => {
    t.writeFlow('w', '{:slug :w :name "w" :flow (flow/step :wait :w {:key "k"})}')
    const d = await spawnDaemon(t.root)
    const r = await run(['flows', 'run', 'w', '--wait', '--timeout', '1ms'])
    const id = r.json.data?.id ?? r.json.error?.details?.run?.id
    const shown = await until(async () => {
      const s = await run(['runs', 'show', id])
      return s.json.data?.status === 'waiting' ? s : undefined
    })
    const url = shown.json.data.waits[0]['callback-url']
    const res = await fetch(url, {method: 'POST', body: '['.repeat(2000) + ']'.repeat(2000)})
    expect(res.status).toBe(400)
    expect((await res.json()).error.message).toContain('512')
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200)
  })
})

describe('the compute budget', () => {
  it('flow code that computes past :limits :compute-ms fails the run resource_exhausted, naming the form', async () => {
    fs.writeFileSync(t.ws.layout.config, '{:limits {:compute-ms 500}}\n')
    t.writeFlow('spin', '{:slug :spin :name "spin" :flow (do (flow/step :function :f {:code "(fn [_] 1)"}) (loop [i 0] (recur (inc i))))}')
    const r = await run(['flows', 'run', 'spin'])
    expect(r.json.data?.status, r.stdout).toBe('failed')
    expect(r.json.data.error).toMatchObject({
      code: 'resource_exhausted',
      message: expect.stringMatching(/without reaching a step.* in \(inc i\)/),
      hint: expect.stringContaining(':compute-ms'),
    })
  })
})

describe('a long-lived daemon', () => {
  it('executes 40 runs without MaxListenersExceededWarning, and holds no abort listeners after', async () => {
    t.writeFlow('one', '{:slug :one :name "one" :flow (flow/step :function :f {:code "(fn [x] (inc x))" :input 1})}')
    const d = await spawnDaemon(t.root)
    const ids: string[] = []
    // Created here (the daemon sees them through its signals), so the daemon runs many at once.
    for (let i = 0; i < 40; i++) ids.push((await createRun(t.ws, {slug: 'one'})).id)
    await until(
      async () => {
        const h = await (await fetch(`${d.url}/healthz`)).json()
        return h.active === 0 && ids.every((id) => JSON.parse(fs.readFileSync(t.ws.layout.runSnapshot(id), 'utf8')).status === 'completed') ? h : undefined
      },
      60_000,
      100,
    )
    const h = await (await fetch(`${d.url}/healthz`)).json()
    expect(h['abort-listeners']).toBe(0)
    expect(d.stderr()).not.toContain('MaxListenersExceededWarning')
  }, 120_000)
})
