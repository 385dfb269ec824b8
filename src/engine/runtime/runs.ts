/** Run operations: start, drive to an end, cancel, resume, retry. */
import crypto from 'node:crypto'
import {decode, encode} from '../edn/json.js'
import {Keyword, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import {parseFlowOnce} from '../flow/parse-cache.js'
import {resolveReleased, type FlowSource} from '../flow/releases.js'
import {TERMINAL_STATUSES, type Target, type UnsequencedEvent} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {admitNewRun, type AdmissionRequest} from './concurrency.js'
import {assertRequirements, missingRequirements} from './requirements.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {advanceRun, runEnded, type AdvanceOptions} from './run-loop.js'
import {recordedProcesses, stopRecordedProcesses} from './step-processes.js'
import {workspaceRedactor} from './workspace-redactor.js'

export type {FlowSource} from '../flow/releases.js'

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex')
}

/** The text a new run pins: the draft, the live version, or version N. */
export async function resolveFlowSource(ws: Workspace, slug: string, target: Target, version?: number): Promise<FlowSource> {
  if (target === 'live' || version !== undefined) return resolveReleased(ws, slug, version)
  const text = await ws.local.readDraft(slug)
  return {slug, text, target: 'draft', version: null, sha256: sha256(text)}
}

export interface StartOptions {
  slug: string
  input?: Value
  target?: Target
  version?: number
  trigger?: string
  retryOf?: string
  fromStep?: string
  /** Environment for secrets (BREYTA_SECRET_<NAME>) when checking `:requires`. */
  env?: NodeJS.ProcessEnv
  /** The new run's id, chosen before (a webhook delivery claimed under it); default a fresh one. */
  id?: string
}

/** Admission rounds of `:cancel-previous` before giving up (other processes keep starting runs). */
const ADMISSION_ROUNDS = 50

/**
 * Admission under the flow's concurrency policy (concurrency.ts): `create` (queued or not) runs
 * while the flow's queue is held, so deciding and creating the run are one step for every other
 * process; `:skip` throws; `:cancel-previous` names the runs in the way, cancelled here.
 */
async function admit(ws: Workspace, req: AdmissionRequest, create: (queued: boolean) => Promise<RunView>): Promise<RunView> {
  for (let round = 0; round < ADMISSION_ROUNDS; round++) {
    const decision = await admitNewRun(ws, req, create)
    if ('view' in decision) return decision.view
    for (const id of decision.cancel) {
      try {
        await cancelRun(ws, id, {reason: `cancelled by newer run ${req.id} (:on-conflict :cancel-previous)`})
      } catch (err) {
        if ((err as BreytaError).code !== 'run_not_active' && (err as BreytaError).code !== 'run_not_found') throw err
      }
    }
  }
  throw new BreytaError('internal', `could not free a slot of flow "${req.slug}" after ${ADMISSION_ROUNDS} rounds of :cancel-previous`, {
    hint: 'Other processes keep starting runs of this flow; try again.',
  })
}

/** Create a run pinned to the exact flow text it will execute. Does not execute it. */
export async function createRun(ws: Workspace, options: StartOptions): Promise<RunView> {
  const source = await resolveFlowSource(ws, options.slug, options.target ?? 'draft', options.version)
  const flow = parseFlowOnce(source.text, source.sha256, {
    file: options.target === 'live' ? `releases/${options.slug}/v${source.version}.edn` : `flows/${options.slug}.edn`,
    maxBytes: ws.config.limits.flowBytes,
  })
  if (flow.slug !== options.slug) {
    throw new BreytaError('invalid_flow', `flows/${options.slug}.edn declares :slug :${flow.slug}`, {hint: 'The file name and the :slug must agree.'})
  }
  const [connections, secrets] = await Promise.all([ws.local.readConnections(), ws.local.readSecrets()])
  assertRequirements(flow, missingRequirements(flow, connections, secrets, options.env ?? process.env))
  const id = options.id ?? ws.store.runs.newRunId()
  const input = options.input ?? new Map()
  assertRequiredInputs(flow.slug, flow.requiredInputs, input)
  // An input may carry a secret (a webhook payload, a pasted token): the journal gets it redacted.
  const redactor = workspaceRedactor(ws.local, options.env ?? process.env, {connections, secrets})
  const create = (queued: boolean): Promise<RunView> =>
    ws.store.runs.create(id, source.text, {
      type: 'run_created',
      at: new Date().toISOString(),
      run: id,
      flow: flow.slug,
      target: source.target,
      version: source.version,
      sha256: source.sha256,
      input: redactor.json(encode(input)),
      ...(options.trigger ? {trigger: options.trigger} : {}),
      ...(options.retryOf ? {retryOf: options.retryOf} : {}),
      ...(options.fromStep ? {fromStep: options.fromStep} : {}),
      ...(queued ? {queued: true} : {}),
    })
  const view = await admit(ws, {id, slug: flow.slug, input, source, concurrency: flow.concurrency}, create)
  await ws.store.signals.signal(view.id)
  return view
}

/** Breyta's `:invocations` required inputs: a run without one is refused before it exists. */
function assertRequiredInputs(slug: string, required: string[] | undefined, input: Value): void {
  const missing = (required ?? []).filter((name) => {
    const v = input instanceof Map ? (input.get(Keyword.of(name)) ?? input.get(name)) : undefined
    return v === undefined || v === null
  })
  if (missing.length === 0) return
  throw new BreytaError(
    'invalid_input',
    `flow "${slug}" requires input ${missing.map((n) => `"${n}"`).join(', ')} (:invocations), but the run input has no ${missing.length === 1 ? 'such field' : 'such fields'}`,
    {
      hint: `Pass it, e.g. --input '${JSON.stringify(Object.fromEntries(missing.map((n) => [n, '…'])))}'.`,
      details: {missing, flow: slug},
    },
  )
}

export interface DriveOptions extends AdvanceOptions {
  /** Keep going through sleeps and waits until the run ends (flows run --wait). */
  wait?: boolean
  /** Give up waiting after this long (ms); the run keeps its state. */
  timeoutMs?: number
  /** How often to look for progress made by another process. */
  pollMs?: number
  /** Without `wait`: a queued run is polled until it gets a slot, then executed (flows run without a daemon). */
  waitForAdmission?: boolean
  /**
   * With `wait` and a daemon: wait for the run to move past `afterSeq` and end or park, at most
   * `ms` (the daemon's long poll); false when that failed and polling should take over.
   */
  awaitChange?: (runId: string, afterSeq: number, ms: number, signal?: AbortSignal) => Promise<boolean>
}

/** One long poll's length; the daemon answers sooner when the run moves on. */
const LONG_POLL_MS = 20_000

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Execute a run in this process until it ends or parks; with `wait`, sleep out sleeps and poll
 * waits (another process may complete them) until it ends or the timeout passes.
 */
export async function driveRun(ws: Workspace, runId: string, options: DriveOptions = {}): Promise<RunView> {
  return new Drive(ws, runId, options).toEnd()
}

/** One driveRun: its deadline, and the last seq seen while a run waited (it outlives each advance). */
class Drive {
  private readonly deadline: number
  private readonly poll: number
  private lastSeq = -1

  constructor(
    private readonly ws: Workspace,
    private readonly runId: string,
    private readonly options: DriveOptions,
  ) {
    this.deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs
    this.poll = options.pollMs ?? 100
  }

  async toEnd(): Promise<RunView> {
    for (;;) {
      const r = await advanceRun(this.ws, this.runId, this.options)
      const view = r.locked ? await this.currentView() : r.view
      if (this.awaitsAdmission(view)) {
        await sleepMs(this.poll)
        continue
      }
      if (this.stopsHere(view)) return view
      if (!r.locked && view.status === 'sleeping' && view['wake-at']) {
        await this.sleepUntil(view['wake-at'])
        continue
      }
      // Waiting (or held by another process): look for a change, a due timeout, or a completion.
      const gaveUp = await this.awaitProgress(view)
      if (gaveUp) return gaveUp
    }
  }

  /** Another process holds the run: what it last published. */
  private async currentView(): Promise<RunView> {
    return (await this.ws.store.runs.readSnapshot(this.runId)) ?? (await this.ws.store.runs.readView(this.runId))
  }

  /** Without `wait`, a queued run is polled until it gets its slot (waitForAdmission), while time is left. */
  private awaitsAdmission(view: RunView): boolean {
    const {waitForAdmission, wait, signal} = this.options
    return view.status === 'queued' && !!waitForAdmission && !wait && !signal?.aborted && !this.pastDeadline()
  }

  /** Ended, not waited for, stopped, or out of time: the view goes back as it is. */
  private stopsHere(view: RunView): boolean {
    return TERMINAL_STATUSES.includes(view.status) || !this.options.wait || !!this.options.signal?.aborted || this.pastDeadline()
  }

  private pastDeadline(): boolean {
    return Date.now() >= this.deadline
  }

  /** Sleep out a parked sleep, never past the deadline. */
  private async sleepUntil(wakeAt: string): Promise<void> {
    const ms = Math.min(Date.parse(wakeAt) - Date.now(), this.deadline - Date.now())
    if (ms > 0) await sleepMs(ms)
  }

  /**
   * Watch a run that waits (or that another process holds) until it may advance again; the
   * run as it is when the deadline passes or the drive is stopped first.
   */
  private async awaitProgress(view: RunView): Promise<RunView | undefined> {
    let seen = view.seq
    for (;;) {
      if (this.pastDeadline() || this.options.signal?.aborted) return this.ws.store.runs.readView(this.runId)
      await this.awaitChange(view, seen)
      const now = await this.ws.store.runs.readSnapshot(this.runId)
      if (!now || (await this.mayAdvance(now))) return undefined
      this.lastSeq = now.seq
      seen = now.seq
    }
  }

  /** The daemon's long poll when there is one (it answers when the run moves on), else one poll interval. */
  private async awaitChange(view: RunView, seen: number): Promise<void> {
    const options = this.options
    const wakeAt = view['wake-at'] ? Date.parse(view['wake-at']) : Infinity
    const longPoll = Math.min(LONG_POLL_MS, this.deadline - Date.now(), wakeAt - Date.now())
    if (!(options.awaitChange && longPoll > 0 && (await options.awaitChange(this.runId, seen, longPoll, options.signal)))) await sleepMs(this.poll)
  }

  /** Ended, moved on and no longer parked, a wake-up due, or a wait's completion in the inbox. */
  private async mayAdvance(now: RunView): Promise<boolean> {
    if (TERMINAL_STATUSES.includes(now.status)) return true
    if (now.seq !== this.lastSeq && now.status !== 'waiting' && now.status !== 'sleeping') return true
    if (now['wake-at'] && Date.parse(now['wake-at']) <= Date.now()) return true
    return now.status === 'waiting' && (await hasCompletion(this.ws, now))
  }
}

/** A completion for one of the run's open waits is in the inbox (another process decided). */
async function hasCompletion(ws: Workspace, view: RunView): Promise<boolean> {
  for (const w of view.waits) if (w.status === 'open' && (await ws.store.inbox.has(view.id, w.key))) return true
  return false
}

/** Cancel a run: at once when nobody executes it, else by asking its executor to stop. */
export async function cancelRun(ws: Workspace, runId: string, options: {reason?: string; timeoutMs?: number} = {}): Promise<RunView> {
  await ws.store.runs.assertExists(runId)
  const current = await ws.store.runs.readView(runId)
  if (TERMINAL_STATUSES.includes(current.status)) {
    throw new BreytaError('run_not_active', `run ${runId} is already ${current.status}`, {
      hint: 'Only queued, running, waiting or sleeping runs can be cancelled.',
    })
  }
  await ws.store.runs.requestCancel(runId, options.reason)
  const lease = await ws.store.leases.acquire(runId, {timeoutMs: options.timeoutMs ?? 15_000, purpose: 'cancel'})
  if (!lease) return ws.store.runs.readView(runId)
  try {
    const read = await ws.store.journals.read(runId)
    const {events} = read
    const view = projectRun(events)!
    if (TERMINAL_STATUSES.includes(view.status)) return view
    // The owner died (we hold its lease): a step's process group it left running is stopped too.
    const at = new Date().toISOString()
    const stopped = (await stopRecordedProcesses(recordedProcesses(events), 'the run was cancelled')).map((e) => ({...e, at}) as UnsequencedEvent)
    const written = await ws.store.journals.appendAfter(runId, read, ...stopped, {type: 'run_cancelled', at, reason: options.reason ?? 'cancelled by request'})
    const next = projectRun([...events, ...written])!
    await ws.store.runs.writeSnapshot(next)
    await ws.store.runs.clearCancel(runId)
    await lease.release()
    await ws.store.signals.signal(runId)
    await runEnded(ws, next)
    return next
  } finally {
    await lease.release()
  }
}

/** Continue a run whose process died, or that is parked. */
export async function resumeRun(ws: Workspace, runId: string, options: DriveOptions = {}): Promise<RunView> {
  const view = await ws.store.runs.readView(runId)
  if (TERMINAL_STATUSES.includes(view.status)) {
    throw new BreytaError('run_not_active', `run ${runId} is ${view.status}; there is nothing to resume`, {
      hint: `Start it again with \`breyta runs retry ${runId}\`.`,
    })
  }
  return driveRun(ws, runId, options)
}

/**
 * A new run of the same pinned definition and input. With `fromStep`, the outputs recorded
 * before that step are reused, so the new run re-executes from there.
 */
export async function retryRun(ws: Workspace, runId: string, options: {fromStep?: string} = {}): Promise<RunView> {
  const old = await ws.store.runs.readView(runId)
  const events = (await ws.store.journals.read(runId)).events
  const created = events.find((e) => e.type === 'run_created')
  if (created?.type !== 'run_created') throw new BreytaError('run_not_found', `run ${runId} has no journal`)
  const text = await ws.store.runs.readPinnedFlow(runId)
  let reuse: typeof events = []
  if (options.fromStep !== undefined) {
    const startIdx = events.findIndex((e) => e.type === 'step_started' && (e.step === options.fromStep || e.step.startsWith(options.fromStep + '[')))
    if (startIdx < 0) {
      throw new BreytaError('invalid_input', `run ${runId} has no step "${options.fromStep}"`, {
        hint: `Steps: ${old.steps.map((s) => s.id).join(', ') || 'none'}`,
      })
    }
    reuse = events.slice(0, startIdx).filter((e) => e.type === 'step_completed')
  }
  const id = ws.store.runs.newRunId()
  const at = new Date().toISOString()
  const create = async (queued: boolean): Promise<RunView> => {
    const {seq: _seq, queued: _queued, ...rest} = created
    await ws.store.runs.create(id, text, {
      ...rest,
      at,
      run: id,
      retryOf: runId,
      ...(options.fromStep ? {fromStep: options.fromStep} : {}),
      ...(queued ? {queued: true} : {}),
    })
    if (reuse.length > 0) {
      await ws.store.journals.appendAfter(
        id,
        await ws.store.journals.read(id),
        ...reuse.map((e) => ({...e, at, reused: true}) as typeof e).map(({seq: _s, ...r}) => r),
      )
      await ws.store.runs.writeSnapshot(await ws.store.runs.readView(id))
    }
    return ws.store.runs.readView(id)
  }
  const source: FlowSource = {slug: created.flow, text, target: created.target, version: created.version, sha256: created.sha256}
  const view = await admit(ws, {id, slug: created.flow, input: decode(created.input), source, concurrency: parseFlow(text).concurrency}, create)
  await ws.store.signals.signal(view.id)
  return view
}
