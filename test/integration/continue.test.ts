/**
 * Who continues a run (engine/operations/continue.ts), against a real daemon process: with one
 * answering, startRun and completeWaitAndContinue hand the run over and the daemon's pid is on
 * its journal; without one (never started, or killed with -9) this process executes it, and
 * starts what queued behind a run it ended. spawnDetachedDaemon reports why a start failed.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {
  approvalPayload,
  completeWaitAndContinue,
  isBreytaError,
  readRunEvents,
  readRunView,
  spawnDetachedDaemon,
  startRun,
  TERMINAL_STATUSES,
  type RunView,
} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace

const QUICK = `{:slug :quick :name "quick"
 :flow (flow/step :function :double {:code "(fn [x] (* 2 x))" :input 21})}
`
const GATED = `{:slug :gated :name "gated"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (let [d (flow/step :wait :gate {:key "gate" :approval {:prompt "Go?"}})]
         (:decision d))}
`

beforeEach(async () => {
  t = await tempWorkspace('breyta-continue-')
  t.writeFlow('quick', QUICK)
  t.writeFlow('gated', GATED)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

/** The pids that started or resumed the run, from its journal. */
const executors = (id: string): number[] =>
  readRunEvents(t.ws.layout, id).flatMap((e) => (e.type === 'run_started' || e.type === 'run_resumed' || e.type === 'run_admitted' ? [e.pid] : []))
const ended = (id: string) =>
  until(
    () => {
      const v = readRunView(t.ws.layout, id)
      return TERMINAL_STATUSES.includes(v.status) ? v : undefined
    },
    15_000,
    10,
  )
const approve = {payload: approvalPayload('approved', 'ana', undefined), source: 'cli', by: 'ana', decision: 'approved' as const}

describe('startRun', () => {
  it('no daemon: this process executes the run before it returns', async () => {
    const r = await startRun(t.ws, {run: {slug: 'quick', trigger: 'cli'}, env: {}})
    expect(r['handed-to']).toBe('this-process')
    expect(r.daemon).toBeUndefined()
    expect(r.view.status).toBe('completed')
    expect(r.view.output).toBe(42)
    expect(executors(r.view.id)).toEqual([process.pid])
  })

  it('a daemon running: the run is handed to it, and it is the daemon that executes it', async () => {
    const daemon = await spawnDaemon(t.root)
    let drove = false
    const r = await startRun(t.ws, {run: {slug: 'quick', trigger: 'cli'}, env: {}, onDrive: () => (drove = true)})
    expect(r['handed-to']).toBe('daemon')
    expect(r.daemon?.pid).toBe(daemon.pid)
    expect(drove).toBe(false)
    const view = await ended(r.view.id)
    expect(view.status).toBe('completed')
    expect(executors(r.view.id)).toEqual([daemon.pid])
  })

  it('a daemon killed with -9 (daemon.json left behind): this process executes the run', async () => {
    const daemon = await spawnDaemon(t.root)
    await daemon.kill9()
    expect(fs.existsSync(path.join(t.root, '.breyta', 'daemon.json'))).toBe(true)
    const r = await startRun(t.ws, {run: {slug: 'quick', trigger: 'cli'}, env: {}})
    expect(r['handed-to']).toBe('this-process')
    expect(r.view.status).toBe('completed')
    expect(executors(r.view.id)).toEqual([process.pid])
  })

  it('a retry is started the same way: handed to a running daemon', async () => {
    const first = await startRun(t.ws, {run: {slug: 'quick'}, env: {}})
    const daemon = await spawnDaemon(t.root)
    const r = await startRun(t.ws, {run: {retry: first.view.id}, env: {}})
    expect(r['handed-to']).toBe('daemon')
    expect((await ended(r.view.id)).output).toBe(42)
    expect(executors(r.view.id)).toEqual([daemon.pid])
  })

  it('queued behind an active run: returned at once as `queue`; the process that ends the active run starts it', async () => {
    const first = await startRun(t.ws, {run: {slug: 'gated'}, env: {}})
    expect(first).toMatchObject({'handed-to': 'this-process', view: {status: 'waiting'}})
    const second = await startRun(t.ws, {run: {slug: 'gated'}, env: {}})
    expect(second['handed-to']).toBe('queue')
    expect(second.view.status).toBe('queued')
    const told: string[] = []
    const r = await completeWaitAndContinue(t.ws, first.view.id, 'gate', approve, {env: {}, onQueuedStart: (id) => told.push(id)})
    expect(r['handed-to']).toBe('this-process')
    expect(r.view.status).toBe('completed')
    expect(r.started).toEqual([second.view.id])
    expect(told).toEqual([second.view.id])
    // It was admitted and started here, and parked on its own gate.
    expect(readRunView(t.ws.layout, second.view.id).status).toBe('waiting')
    expect(new Set(executors(second.view.id))).toEqual(new Set([process.pid]))
  })
})

describe('completeWaitAndContinue', () => {
  const waiting = async (): Promise<RunView> => {
    const r = await startRun(t.ws, {run: {slug: 'gated'}, env: {}})
    expect(r.view.status).toBe('waiting')
    return r.view
  }

  it('no daemon: the decision is recorded, then this process continues the run to its end', async () => {
    const run = await waiting()
    const recorded: RunView[] = []
    const r = await completeWaitAndContinue(t.ws, run.id, 'gate', approve, {env: {}, onRecorded: (v) => recorded.push(v)})
    expect(recorded.map((v) => v.id)).toEqual([run.id])
    expect(r).toMatchObject({'handed-to': 'this-process', daemon: undefined, view: {status: 'completed', output: 'approved'}})
  })

  it('a daemon running: the decision is recorded and the daemon continues the run', async () => {
    const run = await waiting()
    const daemon = await spawnDaemon(t.root)
    const r = await completeWaitAndContinue(t.ws, run.id, 'gate', approve, {env: {}})
    expect(r['handed-to']).toBe('daemon')
    expect(r.daemon?.pid).toBe(daemon.pid)
    expect((await ended(run.id)).output).toBe('approved')
    expect(executors(run.id)).toEqual([process.pid, daemon.pid])
  })

  it('a refused completion rejects before anything is recorded or continued', async () => {
    const run = await waiting()
    let recorded = false
    const err = await completeWaitAndContinue(t.ws, run.id, 'no-such-wait', approve, {onRecorded: () => (recorded = true)}).catch((e: unknown) => e)
    expect(isBreytaError(err) && err.code).toBe('wait_not_found')
    expect(recorded).toBe(false)
    expect(readRunView(t.ws.layout, run.id).status).toBe('waiting')
  })
})

describe('spawnDetachedDaemon', () => {
  it('a daemon already serving the workspace: daemon_already_running, and nothing is started', async () => {
    const daemon = await spawnDaemon(t.root)
    const err = await spawnDetachedDaemon(t.ws, {command: process.execPath, args: ['-e', 'process.exit(3)']}).catch((e: unknown) => e)
    expect(isBreytaError(err) && err.code).toBe('daemon_already_running')
    expect(isBreytaError(err) && err.details).toMatchObject({pid: daemon.pid})
  })

  it('a command that exits during start-up: internal, with the tail of the daemon log', async () => {
    const err = await spawnDetachedDaemon(t.ws, {command: process.execPath, args: ['-e', 'console.log("no daemon here"); process.exit(3)']}).catch(
      (e: unknown) => e,
    )
    expect(isBreytaError(err) && err.code).toBe('internal')
    expect((err as Error).message).toContain('exited during start-up')
    expect((err as Error).message).toContain('no daemon here')
  })
})
