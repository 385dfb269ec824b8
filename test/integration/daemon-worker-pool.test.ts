/**
 * Issue 18, the daemon's memory: its worker pool keeps one worker while nothing runs, starts
 * another when a run finds every worker busy, and ends the extra one once it idles. A worker
 * with an advance in flight is never ended: the run on it completes, and no worker dies. Idle,
 * the threads collect their garbage and the daemon goes on. The pool's comings and goings are
 * the daemon's debug log lines (BREYTA_DEBUG).
 */
import fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, readRunView, type RunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon, spinFlow, spinIterationsFor, type DaemonProcess} from '../helpers/daemon.js'
import {tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-pool-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const iterationsFor = (ms: number) => spinIterationsFor(t, ms, {slug: 'probe', n: 5_000_000})

function done(id: string, timeoutMs = 60_000): Promise<RunView> {
  return until(
    () => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' ? v : undefined
    },
    timeoutMs,
    20,
  )
}

const debugLines = (d: DaemonProcess, message: string) =>
  d
    .stderr()
    .split('\n')
    .filter((l) => l.includes(` debug ${message}`))

describe('the daemon worker pool', () => {
  it('one worker while idle; a second for a run that finds it busy; the idle one ends while the busy one finishes its run', async () => {
    fs.writeFileSync(t.ws.layout.config, '{:limits {:workers 2 :compute-ms 600000}}\n')
    const d = await spawnDaemon(t.root, {env: {BREYTA_DEBUG: '1'}})
    expect(debugLines(d, 'worker started')).toHaveLength(1)

    const perMs = (await iterationsFor(1000)) / 1000
    expect(debugLines(d, 'worker started')).toHaveLength(1)
    t.writeFlow('short', spinFlow('short', Math.round(perMs * 1000)))
    t.writeFlow('long', spinFlow('long', Math.round(perMs * 8000)))
    const short = await createRun(t.ws, {slug: 'short'})
    await until(() => readRunView(t.ws.layout, short.id).status === 'running', 20_000)
    // The first worker computes `short`: `long` gets a worker of its own.
    const long = await createRun(t.ws, {slug: 'long'})
    await until(() => debugLines(d, 'worker started').length === 2, 20_000)
    await done(short.id)

    // The first worker is idle now and ends; the second, newer one computes `long` throughout.
    await until(() => debugLines(d, 'worker retired').length === 1, 20_000)
    expect(readRunView(t.ws.layout, long.id).status).toBe('running')
    expect(typeof (await done(long.id, 120_000)).output).toBe('number')

    // The pool grows again for two runs at once.
    const two = [await createRun(t.ws, {slug: 'short'}), await createRun(t.ws, {slug: 'short'})]
    for (const r of two) await done(r.id)
    expect(debugLines(d, 'worker started')).toHaveLength(3)
    // Idle, every thread collects its garbage in full (heap.ts), and the daemon goes on.
    await until(() => debugLines(d, 'collected garbage').length > 0, 20_000)
    const after = await createRun(t.ws, {slug: 'short'})
    await done(after.id)
    expect(d.stderr()).not.toContain('worker died')
    expect(d.child.exitCode).toBeNull()
  }, 240_000)
})
