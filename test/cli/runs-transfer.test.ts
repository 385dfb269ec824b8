/**
 * `runs export` / `runs import` (SPEC §6, §9) through the built CLI: a run parked on a wait in
 * one workspace moves to another with its journal, pinned definition and resources, and is
 * completed there; a second import, a tampered document and a foreign file are refused without
 * writing anything.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

const FLOW = `{:slug :handoff :name "Handoff"
 :flow (let [a (flow/step :function :make {:code "(fn [_] {:text \\"made here\\"})" :persist true})
             d (flow/step :wait :ok {:key "ok"})]
         {:made a :decision d})}`

describe('runs export / import', () => {
  let from: TempWorkspace
  let to: TempWorkspace
  let runId: string
  let file: string

  beforeAll(async () => {
    from = await tempWorkspace('breyta-export-')
    to = await tempWorkspace('breyta-import-')
    from.writeFlow('handoff', FLOW)
    const run = await cli(['flows', 'run', 'handoff', '--json'], {cwd: from.root})
    expect(run.json.data.status).toBe('waiting')
    runId = run.json.data.id
    file = path.join(from.root, 'run.json')
  }, 60_000)
  afterAll(() => {
    from?.cleanup()
    to?.cleanup()
  })

  it('exports the journal, the pinned definition and the resources', async () => {
    const r = await cli(['runs', 'export', runId, '--out', file, '--json'], {cwd: from.root})
    expect(r.code).toBe(0)
    expect(r.json.data).toMatchObject({run: runId, flow: 'handoff', resources: 1, out: file})
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    expect(doc).toMatchObject({format: 'breyta-run-export', version: 1, run: runId, definition: FLOW})
    expect(doc.events.map((e: {type: string}) => e.type)).toEqual([
      'run_created',
      'run_started',
      'step_started',
      'step_completed',
      'step_started',
      'wait_opened',
      'run_parked',
    ])
    expect(Buffer.from(doc.resources[0].base64, 'base64').toString()).toContain('made here')
    // without --out the document is stdout
    const stdout = await cli(['runs', 'export', runId], {cwd: from.root})
    expect(JSON.parse(stdout.stdout).events).toEqual(doc.events)
  })

  it('imports the run parked as it was, and it completes in the new workspace', async () => {
    const imported = await cli(['runs', 'import', file, '--json'], {cwd: to.root})
    expect(imported.code).toBe(0)
    expect(imported.json.data).toMatchObject({id: runId, status: 'waiting', flow: 'handoff'})
    const approved = await cli(['waits', 'complete', runId, 'ok', '--payload', '{"go":true}', '--json'], {cwd: to.root})
    expect(approved.code).toBe(0)
    const shown = await cli(['runs', 'show', runId, '--json'], {cwd: to.root})
    expect(shown.json.data.status).toBe('completed')
    const ref = shown.json.data.output.made.ref as string
    const res = await cli(['resources', 'get', ref], {cwd: to.root})
    expect(res.stdout).toContain('made here')
    // the original is untouched
    expect((await cli(['runs', 'show', runId, '--json'], {cwd: from.root})).json.data.status).toBe('waiting')
  })

  it('refuses a second import of the same run and leaves it as it is', async () => {
    const again = await cli(['runs', 'import', file, '--json'], {cwd: to.root})
    expect(again.code).toBe(2)
    expect(again.json.error).toMatchObject({code: 'invalid_input'})
    expect(again.json.error!.message).toContain('already exists')
    expect((await cli(['runs', 'show', runId, '--json'], {cwd: to.root})).json.data.status).toBe('completed')
  })

  it('refuses a tampered definition and a file that is not an export, writing nothing', async () => {
    const third = await tempWorkspace('breyta-import-bad-')
    try {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
      const tampered = path.join(third.root, 'tampered.json')
      fs.writeFileSync(tampered, JSON.stringify({...doc, definition: doc.definition.replace('made here', 'made elsewhere')}))
      const r1 = await cli(['runs', 'import', tampered, '--json'], {cwd: third.root})
      expect(r1.code).toBe(2)
      expect(r1.json.error!.message).toMatch(/hashes to/)
      const foreign = path.join(third.root, 'foreign.json')
      fs.writeFileSync(foreign, '{"hello": 1}')
      const r2 = await cli(['runs', 'import', foreign, '--json'], {cwd: third.root})
      expect(r2.code).toBe(2)
      expect(r2.json.error!.message).toMatch(/not a breyta run export/)
      const r3 = await cli(['runs', 'import', path.join(third.root, 'missing.json'), '--json'], {cwd: third.root})
      expect(r3.json.error).toMatchObject({code: 'invalid_input'})
      expect((await cli(['runs', 'list', '--json'], {cwd: third.root})).json.data.items).toEqual([])
    } finally {
      third.cleanup()
    }
  })

  it('names a run that does not exist', async () => {
    const r = await cli(['runs', 'export', '01J0000000000000000000000X', '--json'], {cwd: from.root})
    expect(r.code).toBe(3)
    expect(r.json.error).toMatchObject({code: 'run_not_found'})
  })
})
