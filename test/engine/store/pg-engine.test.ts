/**
 * The engine on a PgStore, unchanged: a run started in one checkout waits for an approval, and a
 * second checkout (another machine, as far as breyta can tell: its own .breyta/, without the
 * flow file) sees the wait, completes it and finishes the run from the definition the store
 * pinned. Nothing of the run is written under either checkout's .breyta/runs/.
 * The workspace's store is swapped for a PgStore here (selection by config.edn is tested in test/cli/store-selection.test.ts).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import {afterEach, describe, expect, it} from 'vitest'
import {approvalPayload, completeWait, createRun, driveRun, listOpenWaits, parseInputObject, runEvents, type Workspace} from '../../../src/engine/index.js'
import {openPgStore, type PgStore} from '../../../src/engine/store/pg/index.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

const PG_URL = process.env.BREYTA_TEST_PG_URL

const FLOW = `{:slug :ship :name "Ship"
 :flow (let [build (flow/step :function :build {:code "(fn [v] {:artifact (str \\"app-\\" v)})" :input (:version (flow/input))})
             ok    (flow/step :wait :approve {:key "approve" :approval {:prompt "Ship it?"}})]
         (flow/step :function :deploy {:code "(fn [m] {:deployed (:artifact m) :by (:by m)})" :input {:artifact (:artifact build) :by (:by ok)}}))}`

function onStore(ws: Workspace, store: PgStore): Workspace {
  Object.defineProperty(ws, 'store', {value: store})
  return ws
}

describe.skipIf(!PG_URL)('the engine on PgStore (BREYTA_TEST_PG_URL)', () => {
  const schema = `e_${process.pid}_${crypto.randomBytes(3).toString('hex')}`
  const temps: TempWorkspace[] = []
  const stores: PgStore[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
    for (const t of temps.splice(0)) t.cleanup()
    const c = new pg.Client({connectionString: PG_URL})
    await c.connect()
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await c.end()
  })

  async function machine(withFlow: boolean): Promise<TempWorkspace> {
    const t = await tempWorkspace('breyta-pg-engine-')
    temps.push(t)
    if (withFlow) t.writeFlow('ship', FLOW)
    const store = await openPgStore({url: PG_URL!, schema})
    stores.push(store)
    onStore(t.ws, store)
    return t
  }

  it('a run started on one machine is approved and finished on another that lacks the flow file', async () => {
    const a = await machine(true)
    const b = await machine(false)
    const run = await createRun(a.ws, {slug: 'ship', input: parseInputObject('{"version": "1.2"}', '--input') as Map<never, never>})
    expect((await driveRun(a.ws, run.id)).status).toBe('waiting')

    const open = await listOpenWaits(b.ws)
    expect(open).toMatchObject([{run: run.id, key: 'approve', approval: {prompt: 'Ship it?'}}])
    await completeWait(b.ws, run.id, 'approve', {payload: approvalPayload('approved', 'ann', undefined), source: 'cli', by: 'ann', decision: 'approved'})
    const done = await driveRun(b.ws, run.id)
    expect(done.error).toBeNull()
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({deployed: 'app-1.2', by: 'ann'})

    const events = await runEvents(a.ws, run.id)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.filter((e) => e.type === 'step_completed').map((e) => (e as {step: string}).step)).toEqual(['build', 'approve', 'deploy'])
    for (const t of [a, b]) expect(fs.readdirSync(path.join(t.root, '.breyta', 'runs')).filter((n) => !n.startsWith('.'))).toEqual([])
  })
})
