/**
 * Issue 12, no crash loops: a run whose executor dies 3 times in a row while advancing it (here
 * the daemon is killed mid-step each time) ends `run_crashed` at the next start instead of
 * taking the daemon down a fourth time; the daemon goes on with the other runs.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, readRunEvents, readRunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-crash-loop-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

describe('crash loops', () => {
  it('killing the daemon 3 times while a run is mid-step ends that run run_crashed, not a fourth death', async () => {
    t.writeFlow(
      'stuck',
      '{:slug :stuck :name "stuck" :flow (do (flow/step :function :before {:code "(fn [_] 1)"}) (flow/step :exec :hang {:command ["sleep" "30"]}) :never)}',
    )
    t.writeFlow('fine', '{:slug :fine :name "fine" :flow (flow/step :function :f {:code "(fn [_] :ok)"})}')
    const stuck = await createRun(t.ws, {slug: 'stuck'})
    for (let k = 1; k <= 3; k++) {
      const d = await spawnDaemon(t.root)
      // Mid-step: this daemon has started attempt k of `hang`.
      await until(() => readRunEvents(t.ws.layout, stuck.id).some((e) => e.type === 'step_started' && e.step === 'hang' && e.attempt === k), 20_000)
      await d.kill9()
    }
    const d = await spawnDaemon(t.root)
    const ended = await until(() => {
      const v = readRunView(t.ws.layout, stuck.id)
      return v.status === 'failed' ? v : undefined
    }, 20_000)
    expect(ended.error).toMatchObject({code: 'run_crashed', step: 'hang', hint: expect.stringContaining('runs retry')})
    const events = readRunEvents(t.ws.layout, stuck.id)
    expect(events.filter((e) => e.type === 'step_started' && e.step === 'hang')).toHaveLength(3)
    expect(events.filter((e) => e.type === 'step_started' && e.step === 'before')).toHaveLength(1)

    // The daemon goes on: it is up and runs the next run.
    const fine = await createRun(t.ws, {slug: 'fine'})
    await until(() => readRunView(t.ws.layout, fine.id).status === 'completed', 20_000)
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200)
  }, 120_000)
})
