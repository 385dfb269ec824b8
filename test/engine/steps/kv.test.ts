import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {emap, kw, type Value} from '../../../src/engine/edn/values.js'
import {openKvStore, type KvStore} from '../../../src/engine/store/fs/kv-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {kvStep, ttlMs} from '../../../src/engine/steps/kv.js'
import {StepError, type StepOutcome} from '../../../src/engine/steps/types.js'
import {testStepContext} from '../../helpers/step-context.js'

let root: string
let store: KvStore
let now: number

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-kvstep-'))
  now = Date.parse('2025-06-01T12:00:00Z')
  store = openKvStore(new WorkspaceLayout(root), {now: () => now})
})
afterEach(() => {
  store.close()
  fs.rmSync(root, {recursive: true, force: true})
})

function ctx(flowSlug = 'my-flow') {
  return {...testStepContext({flowSlug, workspaceRoot: root}), kv: store}
}

async function step(config: Record<string, Value>, flowSlug?: string): Promise<Value> {
  const o: StepOutcome = await kvStep.run(emap(config), ctx(flowSlug))
  if (o.kind !== 'done') throw new Error('expected done')
  return o.output
}

describe(':kv step over the workspace store', () => {
  it('set/get/incr/delete with the flow slug as the default namespace', async () => {
    const value = emap({user: 'ada', roles: [kw('admin')]})
    expect(await step({op: kw('set'), key: 'profile', value})).toEqual(value)
    expect(await step({op: kw('get'), key: 'profile'})).toEqual(value)
    expect(await store.get('my-flow', 'profile')).toEqual(value)
    expect(await step({op: kw('incr'), key: 'hits'})).toBe(1)
    expect(await step({op: kw('incr'), key: 'hits', by: 5})).toBe(6)
    expect(await step({op: kw('delete'), key: 'profile'})).toBe(true)
    expect(await step({op: kw('delete'), key: 'profile'})).toBe(false)
    expect(await step({op: kw('get'), key: 'profile'})).toBeNull()
  })

  it('keeps flows apart, and :namespace names another', async () => {
    await step({op: kw('set'), key: 'k', value: 'from-a'}, 'flow-a')
    expect(await step({op: kw('get'), key: 'k'}, 'flow-b')).toBeNull()
    expect(await step({op: kw('get'), key: 'k', namespace: kw('flow-a')}, 'flow-b')).toBe('from-a')
    await step({op: kw('set'), key: 'k', value: 'shared', namespace: 'shared'}, 'flow-b')
    expect(await store.get('shared', 'k')).toBe('shared')
  })

  it(':ttl expires keys (duration string or seconds)', async () => {
    await step({op: kw('set'), key: 'token', value: 'abc', ttl: '5m'})
    await step({op: kw('set'), key: 'short', value: 1, ttl: 30})
    expect((await store.entry('my-flow', 'token'))?.expiresAt).toBe('2025-06-01T12:05:00.000Z')
    now += 30_000
    expect(await step({op: kw('get'), key: 'short'})).toBeNull()
    expect(await step({op: kw('get'), key: 'token'})).toBe('abc')
    now += 270_000
    expect(await step({op: kw('get'), key: 'token'})).toBeNull()
  })

  it('incr of a non-number fails without retry', async () => {
    await step({op: kw('set'), key: 's', value: 'text'})
    const err = (await kvStep.run(emap({op: kw('incr'), key: 's'}), ctx()).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.retryable).toBe(false)
    expect(err.message).toMatch(/non-number/)
  })

  it('parses ttls', () => {
    expect(ttlMs('30s')).toBe(30_000)
    expect(ttlMs('2d')).toBe(172_800_000)
    expect(ttlMs('250ms')).toBe(250)
    expect(ttlMs(10)).toBe(10_000)
    expect(ttlMs('45')).toBe(45_000)
    expect(() => ttlMs('soon')).toThrow(/bad :ttl/)
    expect(() => ttlMs(0)).toThrow(/bad :ttl/)
  })

  it('check finds missing or unknown :op, missing :key, missing :value and a bad :ttl', () => {
    expect(kvStep.check!(emap({}))).toEqual(['missing :op (:get, :set, :delete or :incr)', 'missing :key'])
    expect(kvStep.check!(emap({op: kw('put'), key: 'k'}))).toEqual(['unknown :op :put (use :get, :set, :delete or :incr)'])
    expect(kvStep.check!(emap({op: kw('set'), key: 'k'}))).toEqual(['missing :value'])
    expect(kvStep.check!(emap({op: kw('set'), key: 'k', value: null}))).toEqual([])
    expect(kvStep.check!(emap({op: kw('get'), key: 'k', ttl: '3 weeks'}))[0]).toMatch(/^bad :ttl: invalid duration "3 weeks"/)
  })
})
