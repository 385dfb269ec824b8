/**
 * A torn last line (a process died mid-append) is repaired by whoever appends next, not only by
 * the process that advances the run: `runs cancel` of a parked run and the admission of a queued
 * one write under the lock without advancing. Appending onto the torn bytes would turn the torn
 * tail into a damaged middle line, and the run would be `journal_corrupt` from then on.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-torn-')
})
afterEach(() => t.cleanup())

const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
const journalOf = (id: string) => path.join(t.root, '.breyta', 'runs', id, 'events.jsonl')

it('runs cancel cuts a torn last line off before it appends run_cancelled', async () => {
  t.writeFlow('gate', '{:slug :gate :name "gate" :flow (flow/step :wait :ok {:key "ok"})}')
  const started = await run('flows', 'run', 'gate')
  const id = started.json.data.id as string
  const intact = fs.readFileSync(journalOf(id), 'utf8')
  fs.appendFileSync(journalOf(id), '{"seq":99,"type":"step_sta')

  const cancelled = await run('runs', 'cancel', id)
  expect(cancelled.code, cancelled.stdout).toBe(0)
  expect(cancelled.json.data.status).toBe('cancelled')
  const after = fs.readFileSync(journalOf(id), 'utf8')
  expect(after.startsWith(intact)).toBe(true)
  expect(after.slice(intact.length)).toMatch(/^\{"seq":\d+,"type":"run_cancelled"[^\n]*\n$/)
  expect((await run('runs', 'show', id)).json.data.status).toBe('cancelled')
})

it('admitting a queued run cuts a torn last line off before it appends run_admitted', async () => {
  t.writeFlow('solo', '{:slug :solo :name "solo" :concurrency {:type :singleton :on-conflict :queue} :flow (flow/step :wait :ok {:key "ok"})}')
  const first = (await run('flows', 'run', 'solo')).json.data.id as string
  const queued = await run('flows', 'run', 'solo')
  expect(queued.json.data.status).toBe('queued')
  const id = queued.json.data.id as string
  fs.appendFileSync(journalOf(id), '{"seq":99,"type":"run_adm')

  // Ending the first run frees the slot; this CLI admits the queued one and drives it to its wait.
  expect((await run('waits', 'complete', first, 'ok')).code).toBe(0)
  const shown = await run('runs', 'show', id)
  expect(shown.code, shown.stdout).toBe(0)
  expect(shown.json.data.status).toBe('waiting')
  expect(fs.readFileSync(journalOf(id), 'utf8')).not.toContain('"run_adm{')
})
