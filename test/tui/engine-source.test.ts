/**
 * EngineSource against a real temporary workspace: the engine's views become the TUI's
 * shapes, the filter and the approvals-first rule hold, the watcher reports writes made by
 * the engine, and a decision continues the run in this process when no daemon runs.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, driveRun, initWorkspace, openWorkspace, type Workspace} from '../../src/engine/index.js'
import {EngineSource} from '../../src/tui/engine-source.js'

const GATED = `{:slug :gated
 :name "Gated"
 :flow (let [ok (flow/step :wait :gate {:key "ship" :approval {:prompt "Ship it?"}})]
         (flow/step :function :after {:code "(fn [x] {:done x})" :input {:decision (:decision ok)}}))}
`
const PLAIN = `{:slug :plain
 :name "Plain"
 :flow (flow/step :function :only {:code "(fn [x] {:n 1})" :input {}})}
`

const SOLO = `{:slug :solo
 :name "Solo"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (flow/step :wait :gate {:key "go" :approval {:prompt "Go?"}})}
`

let dir: string
let ws: Workspace

async function start(slug: string): Promise<string> {
  const run = await createRun(ws, {slug, target: 'draft'})
  await driveRun(ws, run.id)
  return run.id
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-tui-src-'))
  initWorkspace(dir)
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'gated.edn'), GATED)
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'plain.edn'), PLAIN)
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'solo.edn'), SOLO)
  ws = await openWorkspace({explicit: dir, from: dir})
})

afterEach(() => {
  fs.rmSync(dir, {recursive: true, force: true})
})

describe('EngineSource', () => {
  it('lists runs in the TUI shape, with approval prompts, and honours limit and filter', async () => {
    const gated = await start('gated')
    const plainIds = [await start('plain'), await start('plain'), await start('plain')]
    const source = new EngineSource(ws)

    const all = await source.listRuns({limit: 10})
    expect(all.items.map((r) => r.id).sort()).toEqual([gated, ...plainIds].sort())
    const row = all.items.find((r) => r.id === gated)!
    expect(row).toMatchObject({
      flow: 'gated',
      status: 'waiting',
      target: 'draft',
      'current-step': 'gate',
      'waiting-approvals': [{key: 'ship', prompt: 'Ship it?'}],
    })
    expect(all.items.find((r) => r.id === plainIds[0])).toMatchObject({status: 'completed', 'current-step': null, 'waiting-approvals': []})

    // A page of two newest runs still includes the older run that waits on a person.
    const page = await source.listRuns({limit: 2})
    expect(page.items.map((r) => r.id)).toContain(gated)
    expect(page.items.filter((r) => r.flow === 'plain')).toHaveLength(2)

    expect((await source.listRuns({limit: 10, filter: 'GAT'})).items.map((r) => r.id)).toEqual([gated])
    expect((await source.listRuns({limit: 10, filter: 'complet'})).items).toHaveLength(3)
    expect((await source.listRuns({limit: 10, filter: 'status:waiting'})).items.map((r) => r.id)).toEqual([gated])
    expect((await source.listRuns({limit: 10, filter: 'status:completed flow:plain'})).items.map((r) => r.id).sort()).toEqual([...plainIds].sort())
  })

  it('shows a run as `runs show --json` data and reports unknown runs by code', async () => {
    const id = await start('gated')
    const detail = await new EngineSource(ws).getRun(id)
    expect(detail.steps.map((s) => [s.id, s.type, s.status])).toEqual([['gate', 'wait', 'waiting']])
    expect(detail.waits).toEqual([expect.objectContaining({key: 'ship', status: 'open', approval: {prompt: 'Ship it?'}})])
    expect(Object.keys(detail).sort()).toEqual([
      'created-at',
      'error',
      'finished-at',
      'flow',
      'id',
      'input',
      'output',
      'sha256',
      'started-at',
      'status',
      'steps',
      'target',
      'version',
      'waits',
    ])
    await expect(new EngineSource(ws).getRun('01ZZZZZZZZZZZZZZZZZZZZZZZZ')).rejects.toMatchObject({code: expect.stringMatching(/not_found/)})
  })

  it('approves: the decision is recorded with the approver and the run continues here', async () => {
    const id = await start('gated')
    const source = new EngineSource(ws)
    await source.approve(id, 'ship', {by: 'carol'})
    await source.settle()
    const detail = await source.getRun(id)
    expect(detail.status).toBe('completed')
    expect(detail.steps[0]!.output).toMatchObject({decision: 'approved', by: 'carol'})
    await expect(source.approve(id, 'ship', {by: 'carol'})).rejects.toMatchObject({code: expect.stringMatching(/wait_already_completed|run_not_active/)})
  })

  it('rejects with the comment, and cancels', async () => {
    const a = await start('gated')
    const b = await start('gated')
    const source = new EngineSource(ws)
    await source.reject(a, 'ship', {by: 'dave', comment: 'not today'})
    await source.settle()
    expect((await source.getRun(a)).steps[0]!.output).toMatchObject({decision: 'rejected', by: 'dave', comment: 'not today'})
    await source.cancel(b)
    expect((await source.getRun(b)).status).toBe('cancelled')
    await expect(source.cancel(b)).rejects.toMatchObject({code: 'run_not_active'})
  })

  it('a decision that ends a run starts the runs queued behind it, in line, as the CLI does', async () => {
    const a = await start('solo')
    const b = (await createRun(ws, {slug: 'solo', target: 'draft'})).id
    const c = (await createRun(ws, {slug: 'solo', target: 'draft'})).id
    const source = new EngineSource(ws)
    expect([(await source.getRun(a)).status, (await source.getRun(b)).status, (await source.getRun(c)).status]).toEqual(['waiting', 'queued', 'queued'])

    await source.approve(a, 'go', {by: 'erin'})
    await source.settle()
    // a ended and freed the singleton's slot: b was admitted and driven here until its own gate; c keeps its place.
    expect([(await source.getRun(a)).status, (await source.getRun(b)).status, (await source.getRun(c)).status]).toEqual(['completed', 'waiting', 'queued'])
    expect(source.pending).toEqual([])

    await source.reject(b, 'go', {by: 'erin', comment: 'no'})
    await source.settle()
    expect([(await source.getRun(b)).status, (await source.getRun(c)).status]).toEqual(['completed', 'waiting'])
  })

  it('calls subscribers when the engine writes a run, and stops after unsubscribe', async () => {
    const source = new EngineSource(ws)
    let changes = 0
    const unsubscribe = source.subscribe(() => changes++)
    await new Promise((r) => setTimeout(r, 300)) // let the watcher get ready
    await start('plain')
    await until(() => changes > 0)
    unsubscribe()
    const seen = changes
    await start('plain')
    await new Promise((r) => setTimeout(r, 300))
    expect(changes).toBe(seen)
  })
})
