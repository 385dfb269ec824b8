/**
 * A chain of pure steps (`:function`) does not wait for one fdatasync per step: their records
 * are written at once and flushed with the next record that must be on disk, here the start of
 * an `:exec` step, which acts outside the run and so runs only once the chain is flushed (and
 * after 20 ms of computing, so a slow chain is still reported step by step). Flushes are
 * counted on the real file system, with the size of the journal at each.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, expect, it, vi} from 'vitest'
import {createRun, driveRun} from '../../../src/engine/index.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

const CHAIN = 20

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-pure-flush-')
  t.writeFlow(
    'chain',
    `{:slug :chain :name "Chain"
 :flow (let [n (loop [i 0 acc 0] (if (< i ${CHAIN}) (recur (inc i) (flow/step :function (str "s" i) {:code "(fn [x] (inc x))" :input acc})) acc))
             out (flow/step :exec :after {:command ["true"]})]
         n)}\n`,
  )
})
afterEach(() => {
  vi.restoreAllMocks()
  t.cleanup()
})

/**
 * The journal's size at each of its flushes from now on, as they are asked for (the real calls
 * go through; other files' flushes, run.json's, are not counted).
 */
function journalFlushes(runId: string): {journal: string; sizes: number[]} {
  const journal = path.join(t.root, '.breyta', 'runs', runId, 'events.jsonl')
  const ino = fs.statSync(journal).ino
  const sizes: number[] = []
  const note = (fd: number) => {
    const st = fs.fstatSync(fd)
    if (st.ino === ino) sizes.push(st.size)
  }
  const sync = fs.fdatasyncSync
  const async = fs.fdatasync
  vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd) => (note(fd), sync(fd)))
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: fs.NoParamCallback) => (note(fd), async(fd, cb))) as typeof fs.fdatasync)
  return {journal, sizes}
}

it('flushes a chain of function steps at most every 20 ms of computing, and all of it before the step after it that acts outside the run', async () => {
  const created = await createRun(t.ws, {slug: 'chain', target: 'draft'})
  const {journal, sizes: flushedSizes} = journalFlushes(created.id)

  const done = await driveRun(t.ws, created.id)
  expect(done.status).toBe('completed')
  expect(done.output).toBe(CHAIN)

  const text = fs.readFileSync(journal, 'utf8')
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((line) => ({...(JSON.parse(line) as {type: string; step?: string; at: string}), bytes: Buffer.byteLength(line) + 1}))
  let offset = 0
  const endOf = new Map<string, number>()
  const at = new Map<string, number>()
  for (const e of events) {
    offset += e.bytes
    endOf.set(`${e.type} ${e.step ?? ''}`, offset)
    at.set(`${e.type} ${e.step ?? ''}`, Date.parse(e.at))
  }
  const chainStart = endOf.get('step_started s0')!
  const chainEnd = endOf.get(`step_completed s${CHAIN - 1}`)!
  const afterStarted = endOf.get('step_started after')!
  // Within the chain, a flush only every NOTICE_INTERVAL_MS (20) of computing, however many
  // steps: one per step was CHAIN - 1 of them.
  const chainMs = at.get(`step_completed s${CHAIN - 1}`)! - at.get('step_started s0')!
  const inChain = flushedSizes.filter((size) => size >= chainStart && size < chainEnd).length
  expect(inChain).toBeLessThanOrEqual(Math.floor(chainMs / 20) + 1)
  expect(inChain).toBeLessThan(CHAIN - 1)
  // The exec step acts outside the run: before it starts, the whole chain is on disk, then its start.
  expect(flushedSizes.some((size) => size >= chainEnd && size < afterStarted)).toBe(true)
  expect(flushedSizes.some((size) => size >= afterStarted && size < Buffer.byteLength(text))).toBe(true)
  expect(flushedSizes.at(-1)).toBe(Buffer.byteLength(text))
})

it('flushes the result of a step that acted outside the run before a function step after it runs', async () => {
  t.writeFlow(
    'exec-first',
    `{:slug :exec-first :name "Exec first"
 :flow (let [_ (flow/step :exec :before {:command ["true"]})]
         (loop [i 0 acc 0] (if (< i 3) (recur (inc i) (flow/step :function (str "s" i) {:code "(fn [x] (inc x))" :input acc})) acc)))}\n`,
  )
  const created = await createRun(t.ws, {slug: 'exec-first', target: 'draft'})
  const {journal, sizes: flushedSizes} = journalFlushes(created.id)
  expect((await driveRun(t.ws, created.id)).output).toBe(3)
  const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean)
  let offset = 0
  const ends = new Map<string, number>()
  for (const line of lines) {
    offset += Buffer.byteLength(line) + 1
    const e = JSON.parse(line) as {type: string; step?: string}
    ends.set(`${e.type} ${e.step ?? ''}`, offset)
  }
  // A flush ends exactly where the exec step's result does: s0 waited for it.
  expect(flushedSizes).toContain(ends.get('step_completed before'))
})

it('still flushes and reports a chain of function steps step by step when each computes for a while', async () => {
  // Each step computes for tens of milliseconds (~75 ms here: the interpreter runs ~10^6 loop turns a second).
  t.writeFlow(
    'slow-chain',
    `{:slug :slow-chain :name "Slow chain"
 :flow (loop [i 0 acc 0] (if (< i 4) (recur (inc i) (flow/step :function (str "s" i) {:code "(fn [x] (loop [j 0] (if (< j 100000) (recur (inc j)) (inc x))))" :input acc})) acc))}\n`,
  )
  const created = await createRun(t.ws, {slug: 'slow-chain', target: 'draft'})
  const {sizes} = journalFlushes(created.id)
  expect((await driveRun(t.ws, created.id)).output).toBe(4)
  // Steps of tens of milliseconds each: a flush before each step after the first, and the run's end.
  expect(sizes.length).toBeGreaterThanOrEqual(4)
})
