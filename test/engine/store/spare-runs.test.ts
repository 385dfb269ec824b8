/**
 * Run directories made ahead for the daemon (store/fs/spare-runs.ts): a new run is a rename of
 * a spare, its first snapshot a write into run.json.spare; spares are made again after use and
 * taken up by the next daemon; a CLI makes none.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {FsStore} from '../../../src/engine/store/fs/fs-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {runCreated} from '../../helpers/run-created.js'
import {until} from '../../helpers/workspace.js'

let root: string
let layout: WorkspaceLayout
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-spares-'))
  layout = new WorkspaceLayout(root)
  fs.mkdirSync(layout.runsDir, {recursive: true})
})
afterEach(() => fs.rmSync(root, {recursive: true, force: true}))

const text = '{:slug :f :name "spares"}'
const created = (run: string) => runCreated(run, text)
const spares = () => (fs.existsSync(layout.spareRunsDir) ? fs.readdirSync(layout.spareRunsDir).filter((n) => !n.endsWith('.tmp')) : [])
const ready = (n: number) => until(() => (spares().length === n ? true : undefined), 10_000)

it('a new run is a spare renamed into place, and its first snapshot is written into run.json.spare; spares are made again', async () => {
  const store = new FsStore(layout)
  store.runs.prepareAhead!()
  await ready(16)
  const inodes = new Map(spares().map((n) => [fs.statSync(path.join(layout.spareRunsDir, n)).ino, n]))
  const run = store.runs.newRunId()
  const view = await store.runs.create(run, text, created(run))
  expect(inodes.has(fs.statSync(layout.runDir(run)).ino)).toBe(true)
  expect((await store.runs.readView(run)).status).toBe(view.status)
  expect(fs.readdirSync(layout.runDir(run)).sort()).toEqual(['events.jsonl', 'run.json.spare'])

  const spareFile = fs.statSync(path.join(layout.runDir(run), 'run.json.spare')).ino
  await store.runs.writeSnapshot({...view, status: 'running'})
  expect(fs.statSync(layout.runSnapshot(run)).ino).toBe(spareFile)
  expect(fs.readdirSync(layout.runDir(run)).sort()).toEqual(['events.jsonl', 'run.json'])
  await store.runs.writeSnapshot({...view, status: 'completed'})
  expect((await store.runs.readSnapshot(run))?.status).toBe('completed')

  // Made again once fewer than 12 are left.
  for (let i = 0; i < 4; i++) {
    const next = store.runs.newRunId()
    await store.runs.create(next, text, created(next))
  }
  await ready(16)
  await store.close()
})

it('the next daemon takes up the spares left behind and clears what is not a whole, empty spare', async () => {
  const first = new FsStore(layout)
  first.runs.prepareAhead!()
  await ready(16)
  const [used, ...left] = spares().map((n) => path.join(layout.spareRunsDir, n))
  fs.writeFileSync(path.join(used!, 'events.jsonl'), '{"seq":1}\n')
  fs.mkdirSync(path.join(layout.spareRunsDir, 'half.tmp'))
  const leftInodes = new Set(left.map((d) => fs.statSync(d).ino))

  const next = new FsStore(layout)
  next.runs.prepareAhead!()
  expect(fs.existsSync(used!)).toBe(false)
  expect(fs.existsSync(path.join(layout.spareRunsDir, 'half.tmp'))).toBe(false)
  const run = next.runs.newRunId()
  await next.runs.create(run, text, created(run))
  expect(leftInodes.has(fs.statSync(layout.runDir(run)).ino)).toBe(true)
})

it('a process that does not prepare ahead (a CLI) makes no spares', async () => {
  const store = new FsStore(layout)
  const run = store.runs.newRunId()
  await store.runs.create(run, text, created(run))
  expect(fs.existsSync(layout.spareRunsDir)).toBe(false)
  expect(fs.readdirSync(layout.runDir(run))).toEqual(['events.jsonl'])
})
