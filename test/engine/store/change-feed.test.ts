/**
 * The change feed (`watchRuns`, store/fs/signals.ts): observers hear about every change of a
 * run, step by step, from this process and from other processes, with or without a daemon,
 * and the daemon's own changes too; daemon signals are still written only for a daemon.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, driveRun, readRunEvents, watchRuns, type RunChangeWatch} from '../../../src/engine/index.js'
import {newRunId} from '../../../src/engine/store/fs/run-id.js'
import {muteSignals, pendingSignals, signalRun} from '../../../src/engine/store/fs/signals.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../../helpers/workspace.js'

const PLAIN = `{:slug :plain :name "Plain" :flow (flow/step :function :only {:code "(fn [x] {:n 1})" :input {}})}`
// The exec step (cwd: the workspace root) holds the run in the middle of an advance until the
// test creates the file `go` (or removes the workspace: a failed test leaves no process behind).
const BLOCKED = `{:slug :blocked :name "Blocked"
 :flow (let [a (flow/step :exec :block {:command ["sh" "-c" "while [ ! -f go ] && [ -d \\"$PWD\\" ]; do sleep 0.02; done"]})]
         (flow/step :function :after {:code "(fn [x] x)" :input {:ok true}}))}`

let t: TempWorkspace
let watch: RunChangeWatch | undefined
beforeEach(async () => {
  t = await tempWorkspace('breyta-feed-')
  t.writeFlow('plain', PLAIN)
  t.writeFlow('blocked', BLOCKED)
})
afterEach(() => {
  watch?.close()
  watch = undefined
  muteSignals(false)
  t.cleanup()
})

describe('watchRuns', () => {
  it('reports each step of a run while it runs, not only when the advance ends (no daemon)', async () => {
    const go = path.join(t.root, 'go')
    const run = await createRun(t.ws, {slug: 'blocked'})
    // What an observer sees when it looks on each notice: the journal's last event.
    const seen: string[] = []
    watch = watchRuns(t.ws, (id) => {
      const last = readRunEvents(t.ws.layout, id).at(-1)
      if (last) seen.push(`${last.type}${'step' in last ? `:${last.step}` : ''}`)
    })
    const driving = driveRun(t.ws, run.id)
    await until(() => seen.includes('step_started:block'))
    expect(seen).not.toContain('run_completed')
    fs.writeFileSync(go, '')
    expect((await driving).status).toBe('completed')
    await until(() => seen.includes('run_completed'))
    // Daemon signals are for a daemon: none was written while no daemon.json exists.
    expect(pendingSignals(t.ws.layout)).toEqual([])
  })

  it('sees a run made and executed by another CLI process while no daemon runs', async () => {
    const ids = new Set<string>()
    watch = watchRuns(t.ws, (id) => ids.add(id))
    const r = await cli(['flows', 'run', 'plain', '--json'], {cwd: t.root})
    expect(r.json.data.status).toBe('completed')
    await until(() => ids.has(r.json.data.id))
  }, 60_000)

  it('hears the daemon process (whose daemon signals are muted) and stops after close()', async () => {
    const id = newRunId()
    const ids: string[] = []
    watch = watchRuns(t.ws, (changed) => ids.push(changed))
    muteSignals(true)
    fs.writeFileSync(t.ws.layout.daemonJson, '{}')
    signalRun(t.ws.layout, id)
    await until(() => ids.includes(id))
    expect(pendingSignals(t.ws.layout)).toEqual([])
    muteSignals(false)
    signalRun(t.ws.layout, id)
    expect(pendingSignals(t.ws.layout)).toEqual([id])

    watch.close()
    const before = ids.length
    const other = newRunId()
    signalRun(t.ws.layout, other)
    // A change made after close() would have been reported by now if the watch still ran:
    // an open watch reports within milliseconds (the first test waits on one).
    const probe = watchRuns(t.ws, (changed) => ids.push(`probe:${changed}`))
    signalRun(t.ws.layout, other)
    await until(() => ids.includes(`probe:${other}`))
    probe.close()
    expect(ids.slice(before).filter((x) => !x.startsWith('probe:'))).toEqual([])
  })
})
