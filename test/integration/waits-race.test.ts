import {afterEach, beforeEach, expect, it} from 'vitest'
import {approvalPayload, completeWait, createRun, driveRun, readRunView} from '../../src/engine/index.js'
import {tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace()
})
afterEach(() => t.cleanup())

it('a decision recorded while another advance holds the run lock is picked up, not dropped', async () => {
  // Item 0 parks on an approval at once; item 1 keeps the advance (and the lock) busy for a while.
  t.writeFlow(
    'race',
    `{:slug :race :name "Race"
 :flow (flow/map [0 1]
         (fn [i] (if (= i 0)
                   (:decision (flow/step :wait :ok {:key "ok" :approval {:prompt "Go?"}}))
                   (:stdout (flow/step :exec :busy {:command ["sh" "-c" "sleep 1; printf done"]}))))
         {:concurrency 2})}`,
  )
  const run = await createRun(t.ws, {slug: 'race'})
  const holder = driveRun(t.ws, run.id, {})
  await until(() => readRunView(t.ws.layout, run.id).waits.some((w) => w.key === 'ok'))
  await completeWait(t.ws, run.id, 'ok', {payload: approvalPayload('approved', 'ada', undefined), source: 'cli', by: 'ada', decision: 'approved'})
  // The approver's own attempt finds the lock held and leaves the run to the holder.
  const approver = await driveRun(t.ws, run.id, {})
  expect(['running', 'waiting', 'completed']).toContain(approver.status)
  const view = await holder
  expect(view.status).toBe('completed')
  expect(view.output).toEqual(['approved', 'done'])
  expect(view.waits[0]).toMatchObject({status: 'completed', 'completed-by': 'ada'})
})
