/**
 * The concurrency API the daemon uses (admitQueued, flowsWithQueuedRuns) and the orphaned
 * queued run (its CLI was killed) that must not block the line.
 */
import {afterEach, beforeEach, expect, it} from 'vitest'
import {activeRuns, admitQueued, completeWait, createRun, driveRun, flowsWithQueuedRuns, fromJson, readRunEvents, readRunView} from '../../src/engine/index.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const gated = `{:slug :gated
 :name "gated"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (flow/step :wait :gate {:key "gate"})}
`

beforeEach(async () => {
  t = await tempWorkspace('breyta-admit-')
  t.writeFlow('gated', gated)
})
afterEach(() => t.cleanup())

it('admitQueued admits the first queued run once the slot is free and returns it for the daemon to drive', async () => {
  const a = await createRun(t.ws, {slug: 'gated'})
  expect(a.status).toBe('running')
  expect((await driveRun(t.ws, a.id)).status).toBe('waiting')
  const b = await createRun(t.ws, {slug: 'gated', input: fromJson({n: 2})})
  const c = await createRun(t.ws, {slug: 'gated', input: fromJson({n: 3})})
  expect([b.status, c.status]).toEqual(['queued', 'queued'])
  expect(await flowsWithQueuedRuns(t.ws)).toEqual(['gated'])
  expect(await admitQueued(t.ws, 'gated')).toEqual([])
  // Driving a queued run that is not first in line, or has no slot, leaves it queued.
  expect((await driveRun(t.ws, c.id)).status).toBe('queued')

  await completeWait(t.ws, a.id, 'gate', {payload: fromJson({ok: true}), source: 'api'})
  expect((await driveRun(t.ws, a.id)).status).toBe('completed')
  expect(await admitQueued(t.ws, 'gated')).toEqual([b.id])
  expect(readRunView(t.ws.layout, b.id).status).toBe('running')
  expect(readRunEvents(t.ws.layout, b.id).map((e) => e.type)).toEqual(['run_created', 'run_admitted'])
  expect(await admitQueued(t.ws, 'gated')).toEqual([]) // b holds the slot now
  expect((await driveRun(t.ws, b.id)).status).toBe('waiting')
  expect((await activeRuns(t.ws, 'gated')).map((e) => [e.run, e.state])).toEqual([
    [b.id, 'admitted'],
    [c.id, 'queued'],
  ])
})

it('a queued run whose starter is gone (killed, or returned at once) is picked up by the next CLI that ends a run of the flow', async () => {
  const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
  const a = await run('flows', 'run', 'gated')
  expect(a.json.data.status).toBe('waiting')
  const child = spawnCli(['flows', 'run', 'gated', '--json'], {cwd: t.root})
  const exited = new Promise((r) => child.on('exit', r))
  const orphan = await until(async () => (await activeRuns(t.ws, 'gated')).find((e) => e.state === 'queued')?.run, 30_000)
  child.kill('SIGKILL')
  await exited

  // Completing a's wait ends a in this CLI (no daemon), which then starts the orphan.
  expect((await run('waits', 'complete', a.json.data.id, 'gate')).code).toBe(0)
  expect((await run('runs', 'show', orphan)).json.data.status).toBe('waiting')
  const c = await run('flows', 'run', 'gated')
  expect(c.code).toBe(0)
  expect(c.json.data).toMatchObject({status: 'queued', 'blocked-by': [orphan]})
  expect((await run('waits', 'complete', orphan, 'gate')).code).toBe(0)
  expect((await run('runs', 'show', c.json.data.id)).json.data.status).toBe('waiting')
}, 90_000)
