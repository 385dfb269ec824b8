/**
 * Concurrency policies (SPEC §5) with real processes: every `flows run` below is a separate
 * `bin/run.js` process, started at the same time where the race matters, and the journals
 * (fsync'd, timestamped) are the evidence.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readRunEvents, type JournalEvent} from '../../src/engine/index.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root, timeoutMs: 120_000})
const events = (id: string): JournalEvent[] => readRunEvents(t.ws.layout, id)
const at = (evs: JournalEvent[], type: JournalEvent['type']) => evs.find((e) => e.type === type)?.at
const indexOf = (slug: string) =>
  JSON.parse(fs.readFileSync(path.join(t.root, '.breyta', 'queue', `${slug}.json`), 'utf8')).entries as {run: string; state: string}[]
const status = async (id: string) => (await run('runs', 'show', id)).json.data.status as string

/** A flow that parks on wait "gate" (so a run holds its slot until the test lets it go). */
const gated = (slug: string, concurrency: string) => `{:slug :${slug}
 :name "${slug}"
 :concurrency ${concurrency}
 :flow (let [input (flow/input)
             ok    (flow/step :wait :gate {:key "gate"})]
         {:input input :ok ok})}
`

beforeEach(async () => {
  t = await tempWorkspace('breyta-concurrency-')
})
afterEach(() => t.cleanup())

describe('singleton :queue', () => {
  it('ten concurrent `flows run --wait` processes: all ten complete, never two at once, FIFO by run id', async () => {
    // Each run's work waits for the go file: the first run holds the slot until all ten exist,
    // so the other nine meet it however slowly their processes start on a loaded machine.
    const go = path.join(t.root, 'go')
    t.writeFlow(
      'solo',
      `{:slug :solo
 :name "solo"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (flow/step :exec :work {:command ["sh" "-c" "while [ ! -e '${go}' ]; do sleep 0.02; done; sleep 0.2"]})}
`,
    )
    const started = Date.now()
    const pending = Promise.all(Array.from({length: 10}, () => run('flows', 'run', 'solo', '--wait')))
    const runsDir = path.join(t.root, '.breyta', 'runs')
    await until(() => fs.readdirSync(runsDir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length >= 10, 120_000)
    fs.writeFileSync(go, '')
    const results = await pending
    const elapsed = Date.now() - started
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.json.data.status).toBe('completed')
    }
    const ids = results.map((r) => r.json.data.id as string)
    expect(new Set(ids).size).toBe(10)

    const windows = ids.map((id) => {
      const evs = events(id)
      const created = evs[0] as Extract<JournalEvent, {type: 'run_created'}>
      return {
        id,
        queued: created.queued === true,
        created: created.at,
        start: at(evs, 'run_admitted') ?? at(evs, 'run_started')!,
        end: at(evs, 'run_completed')!,
      }
    })
    // At most one run was started directly; the others queued and were admitted.
    expect(windows.filter((w) => !w.queued).length).toBeLessThanOrEqual(1)
    expect(windows.filter((w) => w.queued).length).toBeGreaterThanOrEqual(9)
    windows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
    for (let i = 1; i < windows.length; i++) {
      // The next run's window opens only after the previous one's closed (ISO strings compare in time order).
      expect(
        windows[i]!.start >= windows[i - 1]!.end,
        `${windows[i]!.id} started ${windows[i]!.start} before ${windows[i - 1]!.id} ended ${windows[i - 1]!.end}`,
      ).toBe(true)
    }
    // FIFO: no queued run was admitted while one with an older id already waited in line. (An id
    // is made before its process gets the queue lock, so under load a run can join the line
    // after a younger one was admitted: that is arrival order, which the check allows.)
    const queued = windows.filter((w) => w.queued)
    for (const [i, a] of queued.entries()) {
      for (const b of queued.slice(i + 1)) {
        if (b.id < a.id) expect(b.created > a.start, `${a.id} admitted at ${a.start} although ${b.id} waited since ${b.created}`).toBe(true)
      }
    }
    expect(indexOf('solo')).toEqual([])
    const span = Date.parse(windows.at(-1)!.end) - Date.parse(windows[0]!.start)
    const busy = windows.reduce((sum, w) => sum + Date.parse(w.end) - Date.parse(w.start), 0)
    console.log(
      `10 concurrent singleton runs (0.2 s sleep each): wall ${elapsed} ms, first start → last end ${span} ms, sum of run windows ${busy} ms, handoff gaps ${span - busy} ms total`,
    )
  }, 180_000)
})

describe(':on-conflict', () => {
  it(':skip: of two processes starting at the same instant, one runs and the other is refused (run_not_active, exit 4, details.active) with no run created', async () => {
    t.writeFlow('skippy', gated('skippy', '{:type :singleton :on-conflict :skip}'))
    const [a, b] = await Promise.all([run('flows', 'run', 'skippy'), run('flows', 'run', 'skippy')])
    const ok = [a, b].filter((r) => r.code === 0)
    const refused = [a, b].filter((r) => r.code !== 0)
    expect(ok).toHaveLength(1)
    expect(refused).toHaveLength(1)
    const first = ok[0]!.json.data.id as string
    expect(ok[0]!.json.data.status).toBe('waiting')
    expect(refused[0]!.code).toBe(4)
    expect(refused[0]!.json.error).toMatchObject({code: 'run_not_active', details: {flow: 'skippy', active: [first], policy: 'skip'}})
    expect(refused[0]!.json.error.hint).toContain(first)
    const listed = await run('runs', 'list', '--flow', 'skippy')
    expect(listed.json.data.items.map((r: {id: string}) => r.id)).toEqual([first])

    // Once the active run ends, the next one starts.
    expect((await run('waits', 'complete', first, 'gate')).code).toBe(0)
    expect(await status(first)).toBe('completed')
    const next = await run('flows', 'run', 'skippy')
    expect(next.code).toBe(0)
    expect(next.json.data.status).toBe('waiting')
  }, 60_000)

  it(':cancel-previous: a parked run is cancelled, then the new one starts', async () => {
    t.writeFlow('latest', gated('latest', '{:type :singleton :on-conflict :cancel-previous}'))
    const first = await run('flows', 'run', 'latest', '--input', '{"n": 1}')
    expect(first.json.data.status).toBe('waiting')
    const second = await run('flows', 'run', 'latest', '--input', '{"n": 2}')
    expect(second.code).toBe(0)
    expect(second.json.data.status).toBe('waiting')
    const old = events(first.json.data.id)
    const cancelled = old.find((e) => e.type === 'run_cancelled') as Extract<JournalEvent, {type: 'run_cancelled'}>
    expect(cancelled.reason).toBe(`cancelled by newer run ${second.json.data.id} (:on-conflict :cancel-previous)`)
    expect(cancelled.at <= at(events(second.json.data.id), 'run_started')!).toBe(true)
    expect(indexOf('latest').map((e) => e.run)).toEqual([second.json.data.id])
  }, 60_000)

  it(':cancel-previous stops a run that is executing in another process before the new one starts', async () => {
    t.writeFlow(
      'busy',
      `{:slug :busy
 :name "busy"
 :concurrency {:type :singleton :on-conflict :cancel-previous}
 :flow (flow/step :exec :work {:command ["sleep" (str (:secs (flow/input)))]})}
`,
    )
    const long = spawnCli(['flows', 'run', 'busy', '--input', '{"secs": 30}', '--json'], {cwd: t.root})
    let out = ''
    long.stdout.on('data', (d) => (out += d))
    const exited = new Promise<number>((resolve) => long.on('exit', (code) => resolve(code ?? -1)))
    const firstId = await until(() => {
      const dir = path.join(t.root, '.breyta', 'runs')
      const ids = fs.existsSync(dir) ? fs.readdirSync(dir) : []
      try {
        return ids.length === 1 && events(ids[0]!).some((e) => e.type === 'step_started') ? ids[0] : undefined
      } catch {
        return undefined // the run directory exists but its journal is not written yet
      }
    }, 30_000)
    const second = await run('flows', 'run', 'busy', '--input', '{"secs": 0}', '--wait')
    expect(second.code).toBe(0)
    expect(second.json.data.status).toBe('completed')
    expect(await exited).toBe(0)
    expect(JSON.parse(out).data).toMatchObject({id: firstId, status: 'cancelled'})
    const firstEnd = at(events(firstId), 'run_cancelled')!
    expect(firstEnd <= at(events(second.json.data.id), 'run_started')!).toBe(true)
  }, 90_000)
})

describe('keyed', () => {
  it(':max 2 per key: the third run of a key queues while other keys run; it starts when a slot frees', async () => {
    t.writeFlow('per-repo', gated('per-repo', '{:type :keyed :key [:repo] :max 2 :on-conflict :queue}'))
    const a1 = await run('flows', 'run', 'per-repo', '--input', '{"repo": "a", "n": 1}')
    const a2 = await run('flows', 'run', 'per-repo', '--input', '{"repo": "a", "n": 2}')
    expect(a1.json.data.status).toBe('waiting')
    expect(a2.json.data.status).toBe('waiting')
    // Without a daemon and without --wait, a queued run returns at once, saying what it waits behind.
    const queued = await run('flows', 'run', 'per-repo', '--input', '{"repo": "a", "n": 3}')
    expect(queued.code).toBe(0)
    expect(queued.json.data).toMatchObject({status: 'queued', 'blocked-by': [a1.json.data.id, a2.json.data.id].sort()})
    const a3 = queued.json.data.id as string
    const b1 = await run('flows', 'run', 'per-repo', '--input', '{"repo": "b", "n": 1}')
    expect(b1.json.data.status).toBe('waiting')
    expect(await status(a3)).toBe('queued')

    // The CLI that ends a1 (completing its wait, no daemon) starts a3, which got the free slot.
    expect((await run('waits', 'complete', a1.json.data.id, 'gate')).code).toBe(0)
    expect((await run('runs', 'show', a3)).json.data).toMatchObject({id: a3, status: 'waiting', input: {repo: 'a', n: 3}})
    const a3events = events(a3)
    expect(at(a3events, 'run_admitted')! >= at(events(a1.json.data.id), 'run_completed')!).toBe(true)
    expect(
      indexOf('per-repo')
        .map((e) => [e.run, e.state])
        .sort(),
    ).toEqual(
      [
        [a2.json.data.id, 'admitted'],
        [a3, 'admitted'],
        [b1.json.data.id, 'admitted'],
      ].sort(),
    )
  }, 90_000)
})

describe(':on-new-version', () => {
  it(':supersede cancels live runs on other versions when a version is promoted; draft runs are left alone', async () => {
    const text = (marker: string) =>
      gated('sup', '{:type :unlimited :on-new-version :supersede}').replace('{:input input :ok ok}', `{:marker "${marker}" :ok ok}`)
    t.writeFlow('sup', text('one'))
    expect((await run('flows', 'release', 'sup')).json.data.version).toBe(1)
    const live1 = await run('flows', 'run', 'sup', '--target', 'live')
    const draft = await run('flows', 'run', 'sup')
    expect(live1.json.data).toMatchObject({status: 'waiting', version: 1})
    t.writeFlow('sup', text('two'))
    const v2 = await run('flows', 'release', 'sup')
    expect(v2.json.data).toMatchObject({version: 2, promoted: true, superseded: [live1.json.data.id]})
    const shown = await run('runs', 'show', live1.json.data.id)
    expect(shown.json.data.status).toBe('cancelled')
    expect(events(live1.json.data.id).find((e) => e.type === 'run_cancelled')).toMatchObject({reason: 'superseded by v2 of sup (:on-new-version :supersede)'})
    expect(await status(draft.json.data.id)).toBe('waiting')

    // A run on v2 survives promoting v2 again (nothing changes) and is superseded by a rollback to v1.
    const live2 = await run('flows', 'run', 'sup', '--target', 'live')
    expect((await run('flows', 'promote', 'sup', '--version', '2')).json.data).toMatchObject({changed: false, superseded: []})
    const back = await run('flows', 'promote', 'sup', '--version', '1')
    expect(back.json.data.superseded).toEqual([live2.json.data.id])
  }, 90_000)

  it(':drain (the default) lets runs on the older version finish on it', async () => {
    t.writeFlow('drain', gated('drain', '{:type :singleton :on-conflict :queue}'))
    await run('flows', 'release', 'drain')
    const live1 = await run('flows', 'run', 'drain', '--target', 'live')
    t.writeFlow('drain', gated('drain', '{:type :singleton :on-conflict :queue}').replace('{:input input :ok ok}', '{:v 2 :ok ok}'))
    const v2 = await run('flows', 'release', 'drain')
    expect(v2.json.data.superseded).toEqual([])
    expect((await run('waits', 'complete', live1.json.data.id, 'gate')).code).toBe(0)
    const done = await run('runs', 'show', live1.json.data.id)
    expect(done.json.data).toMatchObject({status: 'completed', version: 1, output: {input: {}, ok: {}}})
  }, 60_000)
})

describe('runs retry --from-step', () => {
  it('reuses the outputs recorded before the step and executes from it', async () => {
    t.writeFlow(
      'steps',
      `{:slug :steps
 :name "steps"
 :flow (let [a (flow/step :exec :a {:command ["node" "-e" "process.stdout.write(String(process.hrtime.bigint()))"]})
             b (flow/step :exec :b {:command ["node" "-e" "process.stdout.write(String(process.hrtime.bigint()))"]})]
         {:a (:stdout a) :b (:stdout b)})}
`,
    )
    const first = await run('flows', 'run', 'steps', '--wait')
    expect(first.code).toBe(0)
    const retry = await run('runs', 'retry', first.json.data.id, '--from-step', 'b', '--wait')
    expect(retry.code).toBe(0)
    expect(retry.json.data['retry-of']).toBe(first.json.data.id)
    expect(retry.json.data.output.a).toBe(first.json.data.output.a)
    expect(retry.json.data.output.b).not.toBe(first.json.data.output.b)
    const evs = events(retry.json.data.id)
    expect(evs.filter((e) => e.type === 'step_started').map((e) => (e as {step: string}).step)).toEqual(['b'])
    expect(evs.find((e) => e.type === 'step_completed' && e.step === 'a')).toMatchObject({reused: true})
    const plain = await run('runs', 'retry', first.json.data.id, '--wait')
    expect(plain.json.data.output.a).not.toBe(first.json.data.output.a)
  }, 60_000)
})
