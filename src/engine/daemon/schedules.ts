/**
 * Schedule triggers (`{:type :schedule :cron "…" :timezone "…" :input {…}}`) of flows with a
 * live release. croner computes the ticks (cron + timezone); a watermark per flow and trigger
 * in the store (`ws.store.schedules`: `.breyta/schedules/<slug>.json`, or a row in team mode)
 * records the last tick fired, and is claimed atomically *before* the run is created, so of
 * several daemons sharing a store exactly one fires each tick. A crash in between loses that
 * one run rather than firing the tick twice, so a tick starts at most one run, across restarts
 * too. On start, the latest tick missed while the
 * daemon was down fires once (not every missed tick); a trigger seen for the first time only
 * sets its watermark.
 */
import crypto from 'node:crypto'
import {Cron} from 'croner'
import {encodeTime} from 'ulid'
import {resolveReleased} from '../flow/releases.js'
import {parseFlow} from '../flow/load.js'
import type {Trigger} from '../flow/types.js'
import {createRun} from '../runtime/runs.js'
import type {DaemonContext} from './context.js'
import {leaseMs} from './team-sweep.js'

type ScheduleTrigger = Extract<Trigger, {type: 'schedule'}>

interface Job {
  key: string
  trigger: ScheduleTrigger
  cron: Cron
  timer?: NodeJS.Timeout
}

const MAX_DELAY_MS = 2 ** 31 - 1

/** Identity of a trigger: its place and its pattern (a changed cron starts a fresh watermark). */
function triggerKey(index: number, t: ScheduleTrigger): string {
  return `${index}|${t.cron}|${t.timezone ?? ''}`
}

export class Scheduler {
  private readonly jobs = new Map<string, Job[]>()
  private readonly versions = new Map<string, string>()
  private stopped = false
  private readonly backstops = new Set<NodeJS.Timeout>()
  /** Runs started by schedules since start. */
  fired = 0

  constructor(private readonly ctx: DaemonContext) {}

  /** (Re)load every flow with a live release. */
  async loadAll(): Promise<void> {
    const slugs = await this.ctx.ws.local.releasedSlugs()
    for (const slug of new Set([...slugs, ...this.jobs.keys()])) await this.load(slug)
  }

  /** (Re)load one flow's schedules after its live version may have changed. */
  async load(slug: string): Promise<void> {
    if (this.stopped) return
    let triggers: ScheduleTrigger[] = []
    let sha = ''
    try {
      const source = await resolveReleased(this.ctx.ws, slug)
      sha = source.sha256
      if (this.versions.get(slug) === sha) return
      triggers = parseFlow(source.text, {file: `releases/${slug}/v${source.version}.edn`}).triggers.filter((t): t is ScheduleTrigger => t.type === 'schedule')
    } catch {
      // no live version (any more), or not a flow directory
    }
    this.unload(slug)
    this.versions.set(slug, sha)
    if (triggers.length === 0) return
    const jobs: Job[] = []
    for (const [i, trigger] of triggers.entries()) {
      try {
        jobs.push({
          key: triggerKey(i, trigger),
          trigger,
          cron: new Cron(trigger.cron, {paused: true, ...(trigger.timezone ? {timezone: trigger.timezone} : {})}),
        })
      } catch (err) {
        this.ctx.log('warn', 'bad schedule trigger', {flow: slug, cron: trigger.cron, error: (err as Error).message})
      }
    }
    this.jobs.set(slug, jobs)
    await this.catchUp(slug, jobs)
    for (const job of jobs) this.arm(slug, job, new Date())
    this.ctx.log('info', 'schedules loaded', {flow: slug, triggers: jobs.map((j) => j.trigger.cron)})
  }

  stop(): void {
    this.stopped = true
    for (const t of this.backstops) clearTimeout(t)
    this.backstops.clear()
    for (const slug of [...this.jobs.keys()]) this.unload(slug)
  }

  private unload(slug: string): void {
    for (const job of this.jobs.get(slug) ?? []) if (job.timer) clearTimeout(job.timer)
    this.jobs.delete(slug)
    this.versions.delete(slug)
  }

  private async catchUp(slug: string, jobs: Job[]): Promise<void> {
    const marks = await this.ctx.ws.store.schedules.read(slug)
    const now = new Date()
    const fresh: Record<string, string> = {}
    for (const job of jobs) {
      const last = job.cron.previousRuns(1, now)[0]
      const mark = marks[job.key]
      if (mark === undefined) fresh[job.key] = (last ?? now).toISOString()
      else if (last && last.toISOString() > mark) await this.fire(slug, job, last)
    }
    if (Object.keys(fresh).length > 0) await this.ctx.ws.store.schedules.init(slug, fresh)
  }

  private arm(slug: string, job: Job, after: Date): void {
    if (this.stopped) return
    const next = job.cron.nextRun(after)
    if (!next) return
    const delay = next.getTime() - Date.now()
    job.timer = setTimeout(
      () => {
        if (next.getTime() > Date.now()) return this.arm(slug, job, after) // clamped long delay
        void this.fire(slug, job, next).finally(() => this.arm(slug, job, next))
      },
      Math.min(Math.max(0, delay), MAX_DELAY_MS),
    )
  }

  /**
   * Start the run for tick `tick` unless the watermark says it was fired already. In team mode
   * the run's id is the tick's own (tickRunId), so the daemons that lost the claim can make
   * sure it happened: after a lease's time, the run exists, or the claimer died between claim
   * and create and one of them creates it (the id is unique in the store: exactly one can).
   */
  private async fire(slug: string, job: Job, tick: Date): Promise<void> {
    if (this.stopped) return
    const at = tick.toISOString()
    const runId = this.ctx.ws.store.kind === 'postgres' ? tickRunId(slug, job.key, tick) : undefined
    let claimed = false
    try {
      claimed = await this.ctx.ws.store.schedules.claim(slug, job.key, at)
    } catch (err) {
      this.ctx.log('warn', 'schedule tick skipped', {flow: slug, tick: at, error: (err as Error).message})
    }
    if (claimed) return this.start(slug, job, at, runId)
    this.ensureStarted(slug, job, at)
  }

  /**
   * Team mode: a tick another daemon claimed has its run after a lease's time, or that daemon
   * died between claim and create and this one creates it. (A watermark alone cannot tell a
   * claimed tick from the mark set when the flow was first loaded, so a daemon starting does not
   * check the tick it names: a claimer that died while no other daemon ran loses that tick.)
   */
  private ensureStarted(slug: string, job: Job, at: string): void {
    if (this.ctx.ws.store.kind !== 'postgres') return
    const runId = tickRunId(slug, job.key, new Date(at))
    const backstop = setTimeout(() => {
      this.backstops.delete(backstop)
      if (this.stopped) return
      void this.ctx.ws.store.runs.exists(runId).then(
        (exists) => (exists ? undefined : this.start(slug, job, at, runId)),
        () => {},
      )
    }, leaseMs(this.ctx.ws))
    backstop.unref()
    this.backstops.add(backstop)
  }

  private async start(slug: string, job: Job, at: string, runId: string | undefined): Promise<void> {
    try {
      const view = await createRun(this.ctx.ws, {
        slug,
        target: 'live',
        trigger: 'schedule',
        env: this.ctx.env,
        ...(job.trigger.input === undefined ? {} : {input: job.trigger.input}),
        ...(runId === undefined ? {} : {id: runId}),
      })
      this.fired++
      this.ctx.log('info', 'run started by schedule', {flow: slug, run: view.id, tick: at})
      this.ctx.schedule(view.id)
    } catch (err) {
      // Another daemon created the tick's run meanwhile: it fired, once.
      if (runId !== undefined && (await this.ctx.ws.store.runs.exists(runId).catch(() => false))) return
      this.ctx.log('warn', 'scheduled run not started', {flow: slug, tick: at, error: (err as Error).message})
    }
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/**
 * The run id of one tick of one trigger (team mode): a ULID whose time is the tick's and whose
 * random part is a hash of flow, trigger and tick, so every daemon names the tick's run alike.
 */
export function tickRunId(slug: string, trigger: string, tick: Date): string {
  const hash = crypto.createHash('sha256').update(`${slug}\u0000${trigger}\u0000${tick.toISOString()}`).digest()
  let bits = 0n
  for (const byte of hash.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte)
  let random = ''
  for (let i = 0; i < 16; i++) random = CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)] + random
  return encodeTime(tick.getTime(), 10) + random
}
