/**
 * kill -9 the daemon at random moments, 20 times, restarting it each time: every run completes,
 * no step that the journal shows completed ran again, and every journal parses.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, readRunEvents, readRunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {sleep, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-crash-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const RUNS = 8
const KILLS = 20

describe('daemon crash safety', () => {
  it(`survives ${KILLS} kill -9 at random moments`, async () => {
    const log = path.join(t.root, 'executions.log')
    const exec = (ms: number) => `{:command ["sh" "-c" "sleep ${ms / 1000}; echo \\"$BREYTA_RUN_ID $BREYTA_STEP_ID\\" >> ${log}"]}`
    t.writeFlow(
      'crashy',
      `{:slug :crashy :name "crashy"
 :flow (let [a (flow/step :exec :a ${exec(150)})
             b (flow/step :function :b {:code "(fn [x] (inc x))" :input 1})
             c (flow/step :exec :c ${exec(100)})
             m (flow/map [1 2 3] (fn [i] (flow/step :exec :m ${exec(120)})) {:concurrency 2})
             z (flow/step :sleep :nap {:duration "300ms"})
             e (flow/step :exec :e ${exec(80)})]
         {:b b :n (count m)})}
`,
    )
    // Kills this close together can land before a run gets anywhere several times in a row,
    // which is what the crash-loop guard counts (daemon-crash-loop.test.ts); here every run
    // must survive them all.
    fs.writeFileSync(t.ws.layout.config, '{:limits {:max-crashes 1000}}\n')
    const ids: string[] = []
    for (let i = 0; i < RUNS; i++) ids.push((await createRun(t.ws, {slug: 'crashy'})).id)

    for (let k = 0; k < KILLS; k++) {
      const d = await spawnDaemon(t.root)
      await sleep(50 + Math.random() * 600)
      await d.kill9()
    }
    const d = await spawnDaemon(t.root)
    await until(() => ids.every((id) => readRunView(t.ws.layout, id).status === 'completed'), 60_000, 100)
    await d.stop()

    // The kills landed mid-run: runs were taken over from dead daemons.
    const resumes = ids.map((id) => readRunEvents(t.ws.layout, id).filter((e) => e.type === 'run_resumed').length)
    expect(resumes.reduce((a, b) => a + b, 0)).toBeGreaterThan(RUNS)
    const executions = new Map<string, number>()
    for (const line of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) executions.set(line, (executions.get(line) ?? 0) + 1)
    for (const id of ids) {
      // Every line of every journal is a complete JSON event.
      const raw = fs.readFileSync(t.ws.layout.runJournal(id), 'utf8')
      expect(raw.endsWith('\n')).toBe(true)
      for (const line of raw.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow()
      const events = readRunEvents(t.ws.layout, id)
      expect(readRunView(t.ws.layout, id).output).toEqual({b: 2, n: 3})
      for (const step of ['a', 'c', 'm[0]', 'm[1]', 'm[2]', 'e']) {
        const starts = events.filter((e) => e.type === 'step_started' && e.step === step)
        const completed = events.filter((e) => e.type === 'step_completed' && e.step === step)
        expect(completed, `${id} ${step}`).toHaveLength(1)
        // Nothing started again after the step completed…
        expect(
          starts.every((s) => s.seq < completed[0]!.seq),
          `${id} ${step} restarted after completion`,
        ).toBe(true)
        // …and every execution belongs to a recorded attempt (a killed attempt may have run: at-least-once).
        const n = executions.get(`${id} ${step}`) ?? 0
        expect(n, `${id} ${step}`).toBeGreaterThanOrEqual(1)
        expect(n, `${id} ${step}`).toBeLessThanOrEqual(starts.length)
      }
      expect(events.filter((e) => e.type === 'run_completed')).toHaveLength(1)
    }
  }, 180_000)
})
