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

it("a parked wait's claim left by a claimer that died before journaling is dropped by the run's next advance", async () => {
  t.writeFlow('w', `{:slug :w :name "w" :flow (flow/step :wait :w {:key "k"})}`)
  const run = await createRun(t.ws, {slug: 'w'})
  expect((await driveRun(t.ws, run.id, {})).status).toBe('waiting')
  // What a daemon's worker leaves when it dies between its claim and the journal's flush.
  expect(await t.ws.store.inbox.claim(run.id, {key: 'k', payload: 1, source: 'callback', at: new Date().toISOString()})).toBe(true)
  expect(await t.ws.store.inbox.has(run.id, 'k')).toBe(true)
  expect((await driveRun(t.ws, run.id, {})).status).toBe('waiting')
  expect(await t.ws.store.inbox.has(run.id, 'k')).toBe(false)
  await completeWait(t.ws, run.id, 'k', {payload: 2, source: 'cli'})
  expect(await driveRun(t.ws, run.id, {})).toMatchObject({status: 'completed', output: 2})
})
