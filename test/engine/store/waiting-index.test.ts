/**
 * The waiting-runs index (runs/.waiting/): kept by every snapshot write, so listOpenWaits reads
 * only waiting runs; a workspace from before the index is backfilled once.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {approvalPayload, completeWait, createRun, driveRun, listOpenWaits, listRuns} from '../../../src/engine/index.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

const FLOW = `{:slug :gate :name "Gate"
 :flow (flow/step :wait :ok {:key "ok" :approval {:prompt "Go?" :show {:n (+ 1 2)}}})}`

let tmp: TempWorkspace | undefined
afterEach(() => tmp?.cleanup())

async function waitingRun(t: TempWorkspace): Promise<string> {
  const run = await createRun(t.ws, {slug: 'gate'})
  expect((await driveRun(t.ws, run.id)).status).toBe('waiting')
  return run.id
}

describe('the waiting-runs index', () => {
  it('lists a run while it waits and drops it once decided; open waits carry :show', async () => {
    tmp = await tempWorkspace('breyta-waiting-')
    tmp.writeFlow('gate', FLOW)
    const id = await waitingRun(tmp)
    const index = path.join(tmp.root, '.breyta', 'runs', '.waiting')
    expect(fs.readdirSync(index)).toContain(id)
    expect(await listOpenWaits(tmp.ws)).toMatchObject([{run: id, key: 'ok', approval: {prompt: 'Go?', show: {n: 3}}}])
    // Run listings skip the index directory; `--status waiting` lists from it.
    expect((await listRuns(tmp.ws)).items.map((r) => r.id)).toEqual([id])
    expect((await listRuns(tmp.ws, {status: 'waiting'})).items.map((r) => r.id)).toEqual([id])

    await completeWait(tmp.ws, id, 'ok', {payload: approvalPayload('approved', 'ann', undefined), source: 'cli', by: 'ann', decision: 'approved'})
    expect((await driveRun(tmp.ws, id)).status).toBe('completed')
    expect(fs.readdirSync(index)).not.toContain(id)
    expect(await listOpenWaits(tmp.ws)).toEqual([])
  })

  it('backfills once for a workspace written before the index, then reads only the listed runs', async () => {
    tmp = await tempWorkspace('breyta-waiting-')
    tmp.writeFlow('gate', FLOW)
    const a = await waitingRun(tmp)
    const b = await waitingRun(tmp)
    const index = path.join(tmp.root, '.breyta', 'runs', '.waiting')
    fs.rmSync(index, {recursive: true})
    expect((await listOpenWaits(tmp.ws)).map((w) => w.run)).toEqual([b, a])
    expect(fs.readdirSync(index).sort()).toEqual(['.blank', '.complete', a, b].sort())
    // Complete now: a run missing from the index is not looked at (its snapshot is not read).
    fs.rmSync(path.join(index, a))
    expect((await listOpenWaits(tmp.ws)).map((w) => w.run)).toEqual([b])
    expect((await listRuns(tmp.ws, {status: 'waiting'})).items.map((r) => r.id)).toEqual([b])
  })
})
