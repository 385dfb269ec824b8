/**
 * Pinning (SPEC §5): a run keeps executing the exact text it started on, across promotions,
 * a kill -9 of the process executing it, and `runs resume` from another process.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {readRunEvents} from '../../src/engine/index.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})

/** Blocks in step "work" until the file `release-me` exists in the workspace root. */
const flow = (marker: string) => `{:slug :pinned
 :name "pinned"
 :flow (let [w (flow/step :exec :work {:command ["sh" "-c" "while [ ! -f release-me ]; do sleep 0.05; done; echo done"]})
             m (flow/step :function :mark {:code "(fn [x] x)" :input "${marker}"})]
         {:marker m :work (:stdout w)})}
`

beforeAll(async () => {
  t = await tempWorkspace('breyta-pinning-')
})
afterAll(() => {
  fs.writeFileSync(path.join(t.root, 'release-me'), '') // let any orphaned step process end
  t.cleanup()
})

it('a live run killed mid-step and resumed after a promotion still executes its own version', async () => {
  t.writeFlow('pinned', flow('v1'))
  expect((await run('flows', 'release', 'pinned')).json.data.version).toBe(1)
  const child = spawnCli(['flows', 'run', 'pinned', '--target', 'live', '--json'], {cwd: t.root})
  const runs = path.join(t.root, '.breyta', 'runs')
  const id = await until(() => {
    const ids = fs.existsSync(runs) ? fs.readdirSync(runs) : []
    try {
      return ids.length === 1 && readRunEvents(t.ws.layout, ids[0]!).some((e) => e.type === 'step_started') ? ids[0] : undefined
    } catch {
      return undefined
    }
  }, 30_000)
  child.kill('SIGKILL')
  await new Promise((r) => child.on('exit', r))

  t.writeFlow('pinned', flow('v2'))
  const v2 = await run('flows', 'release', 'pinned')
  expect(v2.json.data).toMatchObject({version: 2, live: 2})
  expect((await run('runs', 'show', id)).json.data).toMatchObject({status: 'running', version: 1})

  fs.writeFileSync(path.join(t.root, 'release-me'), '')
  const resumed = await run('runs', 'resume', id, '--wait')
  expect(resumed.code).toBe(0)
  expect(resumed.json.data).toMatchObject({id, status: 'completed', target: 'live', version: 1, output: {marker: 'v1', work: 'done\n'}})
  const events = readRunEvents(t.ws.layout, id)
  expect(events.filter((e) => e.type === 'step_started' && e.step === 'work').length).toBe(2) // at-least-once: re-run after the kill
  expect(events.some((e) => e.type === 'run_resumed')).toBe(true)

  const fresh = await run('flows', 'run', 'pinned', '--target', 'live', '--wait')
  expect(fresh.json.data).toMatchObject({version: 2, output: {marker: 'v2'}})
}, 90_000)
