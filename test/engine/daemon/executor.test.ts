/**
 * The daemon's executor (daemon/executor.ts): one advance per run at a time, and a run that a
 * worker creates and starts advancing (beginWith: a webhook's run, a callback's completion) counts as in flight from the
 * moment it is asked for.
 */
import {afterEach, beforeEach, expect, it} from 'vitest'
import {Executor} from '../../../src/engine/daemon/executor.js'
import type {RunView} from '../../../src/engine/journal/projection.js'
import type {AdvanceResult} from '../../../src/engine/runtime/run-loop.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-executor-')
})
afterEach(() => t.cleanup())

const view = (id: string, status = 'completed') => ({id, status}) as unknown as RunView
const deferred = <T>() => {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return {promise, resolve, reject}
}

function executor() {
  const advanced: string[] = []
  const errors: unknown[] = []
  const advanceIn: string[] = []
  const idle = deferred<void>()
  const ex = new Executor(t.ws, {
    concurrency: 4,
    advance: {},
    advanceIn: async (id) => {
      advanceIn.push(id)
      return {locked: false, view: view(id)}
    },
    onAdvanced: (v) => {
      advanced.push(v.id)
      if (ex.active <= 1) setImmediate(() => ex.active === 0 && idle.resolve())
    },
    onLocked: () => {},
    onError: (_id, err) => errors.push(err),
  })
  return {ex, advanced, errors, advanceIn, idle: idle.promise}
}

it('a run started elsewhere is in flight at once: a schedule meanwhile is one advance after, not a second at the same time', async () => {
  const {ex, advanced, advanceIn, idle} = executor()
  const created = deferred<{value: RunView; advanced: Promise<AdvanceResult>}>()
  const first = deferred<AdvanceResult>()
  const started = ex.beginWith('R', () => created.promise)
  ex.schedule('R')
  expect(advanceIn).toEqual([])
  created.resolve({value: view('R', 'running'), advanced: first.promise})
  expect((await started)?.status).toBe('running')
  ex.schedule('R')
  expect(advanceIn).toEqual([])
  first.resolve({locked: false, view: view('R')})
  await idle
  expect(advanced).toEqual(['R', 'R'])
  expect(advanceIn).toEqual(['R'])
})

it('a run that could not be created is not in flight after: the error goes to the caller, a later schedule advances it', async () => {
  const {ex, advanced, errors, advanceIn, idle} = executor()
  await expect(ex.beginWith('R', async () => Promise.reject(new Error('no such flow')))).rejects.toThrow('no such flow')
  expect(ex.active).toBe(0)
  expect(errors).toEqual([])
  ex.schedule('R')
  await idle
  expect(advanceIn).toEqual(['R'])
  expect(advanced).toEqual(['R'])
})

it('a stopping executor starts nothing: the caller creates the run itself', async () => {
  const {ex} = executor()
  await ex.stop(10)
  expect(await ex.beginWith('R', () => Promise.reject(new Error('not called')))).toBeUndefined()
})

it('at its concurrency, the executor starts nothing more elsewhere: the caller creates the run and its schedule waits in the queue', async () => {
  const {ex} = executor()
  const held = Array.from({length: 4}, () => deferred<AdvanceResult>())
  for (const [i, d] of held.entries()) await ex.beginWith(`R${i}`, async () => ({value: view(`R${i}`, 'running'), advanced: d.promise}))
  expect(ex.active).toBe(4)
  expect(await ex.beginWith('S', () => Promise.reject(new Error('not called')))).toBeUndefined()
  for (const [i, d] of held.entries()) d.resolve({locked: false, view: view(`R${i}`)})
})
