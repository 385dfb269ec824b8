/**
 * The journal decides a run's status: a process that journaled the end and died before writing
 * the snapshot left `runs list` saying `running`; the next advance of the run writes it right.
 */
import {afterEach, beforeEach, expect, it} from 'vitest'
import {createRun, driveRun} from '../../../src/engine/index.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-terminal-snapshot-')
  t.writeFlow('one', '{:slug :one :name "One" :flow (flow/step :function :f {:code "(fn [_] 1)"})}\n')
})
afterEach(() => t.cleanup())

it('an advance of an ended run whose snapshot lags writes the snapshot from the journal', async () => {
  const created = await createRun(t.ws, {slug: 'one', target: 'draft'})
  const done = await driveRun(t.ws, created.id)
  expect(done.status).toBe('completed')
  // As if the process died between journaling run_completed and writing run.json.
  await t.ws.store.runs.writeSnapshot({...done, status: 'running', 'finished-at': null})
  expect((await t.ws.store.runs.readSnapshot(created.id))?.status).toBe('running')

  expect((await driveRun(t.ws, created.id)).status).toBe('completed')
  expect(await t.ws.store.runs.readSnapshot(created.id)).toMatchObject({status: 'completed', 'finished-at': done['finished-at']})
})
