/** Approvals with and without a daemon, racing decisions, wait timeouts, durable sleeps. */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, driveRun, readRunEvents, readRunView, type RunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, sleep, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace

const APPROVAL_FLOW = `{:slug :ap :name "approval"
 :flow (let [d (flow/step :wait :approve {:key "approve" :approval {:prompt "Ship it?"} :timeout "1h"})]
         (flow/step :function :after {:code "(fn [d] {:decision (:decision d) :by (:by d)})" :input d}))}
`

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-waits-')
  t.writeFlow('ap', APPROVAL_FLOW)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const ended = (id: string, ms = 15_000) =>
  until(
    () => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' || v.status === 'failed' || v.status === 'cancelled' ? v : undefined
    },
    ms,
    10,
  )

async function waitingRun(): Promise<string> {
  const r = await cli(['flows', 'run', 'ap', '--json'], {cwd: t.root})
  expect(r.code).toBe(0)
  const id = r.json.data.id as string
  await until(() => readRunView(t.ws.layout, id).status === 'waiting')
  return id
}

const stepRuns = (v: RunView, step: string) => readRunEvents(t.ws.layout, v.id).filter((e) => e.type === 'step_completed' && e.step === step).length

describe('approvals', () => {
  it('with the daemon running: the CLI records the decision and the daemon continues the run', async () => {
    await spawnDaemon(t.root)
    const id = await waitingRun()
    const list = await cli(['waits', 'list', '--json'], {cwd: t.root})
    expect(list.json.data.items.map((w: {run: string}) => w.run)).toContain(id)
    const r = await cli(['waits', 'approve', id, 'approve', '--by', 'ana', '--comment', 'lgtm', '--json'], {cwd: t.root})
    expect(r.code).toBe(0)
    expect(r.json.data['continued-in']).toBe('daemon')
    const v = await ended(id)
    expect(v.status).toBe('completed')
    expect(v.output).toEqual({decision: 'approved', by: 'ana'})
    expect(v.steps.find((s) => s.id === 'approve')?.output).toMatchObject({decision: 'approved', by: 'ana', comment: 'lgtm'})
  })

  it('without a daemon: the CLI that decides continues the run itself', async () => {
    const r0 = await cli(['flows', 'run', 'ap', '--json'], {cwd: t.root})
    const id = r0.json.data.id as string
    expect(r0.json.data.status).toBe('waiting')
    const r = await cli(['waits', 'reject', id, 'approve', '--by', 'bo', '--json'], {cwd: t.root})
    expect(r.code).toBe(0)
    expect(r.json.data['continued-in']).toBe('cli')
    const v = readRunView(t.ws.layout, id)
    expect(v.status).toBe('completed')
    expect(v.output).toEqual({decision: 'rejected', by: 'bo'})
  })

  for (const withDaemon of [true, false]) {
    it(`approve and reject at once (${withDaemon ? 'daemon running' : 'no daemon'}): exactly one wins, the other exits 4, the run continues once`, async () => {
      if (withDaemon) await spawnDaemon(t.root)
      const id = await waitingRun()
      const [a, b] = await Promise.all([
        cli(['waits', 'approve', id, 'approve', '--by', 'a', '--json'], {cwd: t.root}),
        cli(['waits', 'reject', id, 'approve', '--by', 'b', '--json'], {cwd: t.root}),
      ])
      const codes = [a.code, b.code].sort()
      expect(codes).toEqual([0, 4])
      const loser = a.code === 4 ? a : b
      expect(loser.json.error.code).toBe('wait_already_completed')
      const winner = a.code === 0 ? 'approved' : 'rejected'
      const v = await ended(id)
      expect(v.status).toBe('completed')
      expect(v.output).toMatchObject({decision: winner})
      expect(stepRuns(v, 'after')).toBe(1)
      expect(readRunEvents(t.ws.layout, id).filter((e) => e.type === 'wait_completed')).toHaveLength(1)
      expect(readRunEvents(t.ws.layout, id).filter((e) => e.type === 'run_completed')).toHaveLength(1)
    })
  }
})

describe('timers in the daemon', () => {
  it('a 2 s wait timeout with :continue yields :default-value; with :fail the run fails naming the wait', async () => {
    t.writeFlow('tc', `{:slug :tc :name "t" :flow (flow/step :wait :w {:key "never" :timeout "2s" :on-timeout :continue :default-value {:fallback true}})}`)
    t.writeFlow('tf', `{:slug :tf :name "t" :flow (flow/step :wait :w {:key "never" :timeout "2s" :on-timeout :fail})}`)
    await spawnDaemon(t.root)
    const c = (await cli(['flows', 'run', 'tc', '--json'], {cwd: t.root})).json.data.id as string
    const f = (await cli(['flows', 'run', 'tf', '--json'], {cwd: t.root})).json.data.id as string
    const vc = await ended(c)
    const vf = await ended(f)
    expect(vc.status).toBe('completed')
    expect(vc.output).toEqual({fallback: true})
    expect(vc.waits[0]?.status).toBe('timed-out')
    expect(vf.status).toBe('failed')
    expect(vf.error?.message).toContain('never')
    expect(vf.error?.step).toBe('w')
    // On time: within a second of the deadline.
    for (const v of [vc, vf]) {
      const late = Date.parse(v['finished-at']!) - Date.parse(v.waits[0]!['timeout-at']!)
      expect(late).toBeGreaterThanOrEqual(0)
      expect(late).toBeLessThan(1000)
    }
  })

  it('sleeps fire on time, and those that fell due while the daemon was down fire at start', async () => {
    t.writeFlow('s', `{:slug :s :name "s" :flow (let [a (flow/step :sleep :nap {:duration "1500ms"})] {:woke (:slept-until a)})}`)
    // Parked before any daemon runs, through the engine (no daemon: the run parks in this process).
    const early = await createRun(t.ws, {slug: 's'})
    expect((await driveRun(t.ws, early.id)).status).toBe('sleeping')
    await sleep(1700)
    const d = await spawnDaemon(t.root)
    const v1 = await ended(early.id, 5000)
    expect(v1.status).toBe('completed')
    const onTime = (await cli(['flows', 'run', 's', '--json'], {cwd: t.root})).json.data.id as string
    const v2 = await ended(onTime, 10_000)
    expect(v2.status).toBe('completed')
    const until2 = Date.parse((v2.output as {woke: string}).woke)
    expect(Date.parse(v2['finished-at']!) - until2).toBeLessThan(1000)
    expect(Date.parse(v2['finished-at']!) - until2).toBeGreaterThanOrEqual(0)
    await d.stop()
  })

  it('cancelling a parked run with the daemon running ends it', async () => {
    await spawnDaemon(t.root)
    const id = await waitingRun()
    const r = await cli(['runs', 'cancel', id, '--json'], {cwd: t.root})
    expect(r.code).toBe(0)
    expect((await ended(id)).status).toBe('cancelled')
  })
})
