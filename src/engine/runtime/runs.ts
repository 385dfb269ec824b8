/** Run operations: start, drive to an end, cancel, resume, retry. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {decode, encode, fromJson} from '../edn/json.js'
import {Keyword, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import {readDraft} from '../store/fs/flow-store.js'
import {appendAfter, appendEvents, readJournal} from '../store/fs/journal.js'
import {lock} from '../store/fs/lock.js'
import {newRunId} from '../store/fs/run-id.js'
import {signalRun} from '../store/fs/signals.js'
import {assertRunExists, createRunFiles, readPinnedFlow, readRunSnapshot, readRunView, writeRunSnapshot} from '../store/fs/run-store.js'
import {TERMINAL_STATUSES, type Target, type UnsequencedEvent} from '../journal/events.js'
import {readConnections} from '../store/fs/connection-store.js'
import {readSecrets} from '../store/fs/secret-store.js'
import type {Workspace} from '../workspace/workspace.js'
import {assertRequirements, missingRequirements} from './requirements.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {advanceRun, runEnded, type AdvanceOptions} from './run-loop.js'
import {recordedProcesses, stopRecordedProcesses} from './step-processes.js'
import {workspaceRedactor} from './workspace-redactor.js'

export interface FlowSource {
  slug: string
  text: string
  target: Target
  version: number | null
  sha256: string
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex')
}

/** Where live versions come from; the releases module registers itself here. */
export type LiveResolver = (ws: Workspace, slug: string, version?: number) => FlowSource
let liveResolver: LiveResolver | undefined
export function setLiveResolver(resolver: LiveResolver): void {
  liveResolver = resolver
}

export function resolveFlowSource(ws: Workspace, slug: string, target: Target, version?: number): FlowSource {
  if (target === 'live' || version !== undefined) {
    if (!liveResolver) throw new BreytaError('no_live_version', `flow "${slug}" has no live version`, {hint: `Release it with \`breyta flows release ${slug}\`.`})
    return liveResolver(ws, slug, version)
  }
  const text = readDraft(ws.layout, slug)
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
}

/**
 * Admission under the flow's concurrency policy; the concurrency module registers itself here.
 * It calls `create` (queued or not) while holding the flow's queue lock, so deciding and
 * creating the run are one step for every other process; it throws for `:skip`.
 */
export type Admission = (ws: Workspace, run: {id: string; slug: string; input: Value; source: FlowSource; concurrency: unknown}, create: (queued: boolean) => RunView) => Promise<RunView>
let admission: Admission | undefined
export function setAdmission(a: Admission): void {
  admission = a
}

/** Create a run pinned to the exact flow text it will execute. Does not execute it. */
export async function createRun(ws: Workspace, options: StartOptions): Promise<RunView> {
  const source = resolveFlowSource(ws, options.slug, options.target ?? 'draft', options.version)
  const flow = parseFlow(source.text, {file: options.target === 'live' ? `releases/${options.slug}/v${source.version}.edn` : `flows/${options.slug}.edn`, maxBytes: ws.config.limits.flowBytes})
  if (flow.slug !== options.slug) {
    throw new BreytaError('invalid_flow', `flows/${options.slug}.edn declares :slug :${flow.slug}`, {hint: 'The file name and the :slug must agree.'})
  }
  const [connections, secrets] = await Promise.all([readConnections(ws.layout), readSecrets(ws.layout)])
  assertRequirements(flow, missingRequirements(flow, connections, secrets, options.env ?? process.env))
  const id = newRunId()
  const input = options.input ?? new Map()
  assertRequiredInputs(flow.slug, flow.requiredInputs, input)
  // An input may carry a secret (a webhook payload, a pasted token): the journal gets it redacted.
  const redactor = workspaceRedactor(ws.layout, options.env ?? process.env, connections)
  const create = (queued: boolean): RunView => createRunFiles(ws.layout, id, source.text, {
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
  const view = admission ? await admission(ws, {id, slug: flow.slug, input, source, concurrency: flow.concurrency}, create) : create(false)
  signalRun(ws.layout, view.id)
  return view
}

/** Breyta's `:invocations` required inputs: a run without one is refused before it exists. */
function assertRequiredInputs(slug: string, required: string[] | undefined, input: Value): void {
  const missing = (required ?? []).filter((name) => {
    const v = input instanceof Map ? input.get(Keyword.of(name)) ?? input.get(name) : undefined
    return v === undefined || v === null
  })
  if (missing.length === 0) return
  throw new BreytaError('invalid_input', `flow "${slug}" requires input ${missing.map((n) => `"${n}"`).join(', ')} (:invocations), but the run input has no ${missing.length === 1 ? 'such field' : 'such fields'}`, {
    hint: `Pass it, e.g. --input '${JSON.stringify(Object.fromEntries(missing.map((n) => [n, '…'])))}'.`,
    details: {missing, flow: slug},
  })
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
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs
  const poll = options.pollMs ?? 100
  let lastSeq = -1
  for (;;) {
    const r = await advanceRun(ws, runId, options)
    const view = r.locked ? readRunSnapshot(ws.layout, runId) ?? readRunView(ws.layout, runId) : r.view
    if (view.status === 'queued' && options.waitForAdmission && !options.wait && !options.signal?.aborted && Date.now() < deadline) {
      await sleepMs(poll)
      continue
    }
    if (TERMINAL_STATUSES.includes(view.status) || !options.wait || options.signal?.aborted) return view
    if (Date.now() >= deadline) return view
    if (!r.locked && view.status === 'sleeping' && view['wake-at']) {
      const ms = Math.min(Date.parse(view['wake-at']) - Date.now(), deadline - Date.now())
      if (ms > 0) await sleepMs(ms)
      continue
    }
    // Waiting (or held by another process): look for a change, a due timeout, or a completion.
    let seen = view.seq
    for (;;) {
      if (Date.now() >= deadline || options.signal?.aborted) return readRunView(ws.layout, runId)
      const wakeAt = view['wake-at'] ? Date.parse(view['wake-at']) : Infinity
      const longPoll = Math.min(LONG_POLL_MS, deadline - Date.now(), wakeAt - Date.now())
      if (!(options.awaitChange && longPoll > 0 && (await options.awaitChange(runId, seen, longPoll, options.signal)))) await sleepMs(poll)
      const now = readRunSnapshot(ws.layout, runId)
      if (!now || TERMINAL_STATUSES.includes(now.status)) break
      if (now.seq !== lastSeq && now.status !== 'waiting' && now.status !== 'sleeping') break
      if (now['wake-at'] && Date.parse(now['wake-at']) <= Date.now()) break
      if (fs.existsSync(ws.layout.runInbox(runId)) && now.status === 'waiting') {
        const open = new Set(now.waits.filter((w) => w.status === 'open').map((w) => w.key))
        if ([...open].some((k) => fs.existsSync(ws.layout.runInboxEntry(runId, k)))) break
      }
      lastSeq = now.seq
      seen = now.seq
    }
  }
}

/** Cancel a run: at once when nobody executes it, else by asking its executor to stop. */
export async function cancelRun(ws: Workspace, runId: string, options: {reason?: string; timeoutMs?: number} = {}): Promise<RunView> {
  assertRunExists(ws.layout, runId)
  const current = readRunView(ws.layout, runId)
  if (TERMINAL_STATUSES.includes(current.status)) {
    throw new BreytaError('run_not_active', `run ${runId} is already ${current.status}`, {hint: 'Only queued, running, waiting or sleeping runs can be cancelled.'})
  }
  fs.writeFileSync(ws.layout.runCancelMarker(runId), new Date().toISOString())
  const l = await lock(ws.layout.runLock(runId), {timeoutMs: options.timeoutMs ?? 15_000, purpose: 'cancel'})
  if (!l) return readRunView(ws.layout, runId)
  try {
    const read = readJournal(ws.layout.runJournal(runId))
    const {events} = read
    const view = projectRun(events)!
    if (TERMINAL_STATUSES.includes(view.status)) return view
    // The owner died (we hold its lock): a step's process group it left running is stopped too.
    const at = new Date().toISOString()
    const stopped = (await stopRecordedProcesses(recordedProcesses(events), 'the run was cancelled')).map((e) => ({...e, at}) as UnsequencedEvent)
    const written = appendAfter(ws.layout.runJournal(runId), read, ...stopped, {type: 'run_cancelled', at, reason: options.reason ?? 'cancelled by request'})
    const next = projectRun([...events, ...written])!
    writeRunSnapshot(ws.layout, next)
    fs.rmSync(ws.layout.runCancelMarker(runId), {force: true})
    l.release()
    signalRun(ws.layout, runId)
    await runEnded(ws, next)
    return next
  } finally {
    l.release()
  }
}

/** Continue a run whose process died, or that is parked. */
export async function resumeRun(ws: Workspace, runId: string, options: DriveOptions = {}): Promise<RunView> {
  const view = readRunView(ws.layout, runId)
  if (TERMINAL_STATUSES.includes(view.status)) {
    throw new BreytaError('run_not_active', `run ${runId} is ${view.status}; there is nothing to resume`, {hint: `Start it again with \`breyta runs retry ${runId}\`.`})
  }
  return driveRun(ws, runId, options)
}

/**
 * A new run of the same pinned definition and input. With `fromStep`, the outputs recorded
 * before that step are reused, so the new run re-executes from there.
 */
export async function retryRun(ws: Workspace, runId: string, options: {fromStep?: string} = {}): Promise<RunView> {
  const old = readRunView(ws.layout, runId)
  const events = readJournal(ws.layout.runJournal(runId)).events
  const created = events.find((e) => e.type === 'run_created')
  if (created?.type !== 'run_created') throw new BreytaError('run_not_found', `run ${runId} has no journal`)
  const text = readPinnedFlow(ws.layout, runId)
  let reuse: typeof events = []
  if (options.fromStep !== undefined) {
    const startIdx = events.findIndex((e) => e.type === 'step_started' && (e.step === options.fromStep || e.step.startsWith(options.fromStep + '[')))
    if (startIdx < 0) {
      throw new BreytaError('invalid_input', `run ${runId} has no step "${options.fromStep}"`, {hint: `Steps: ${old.steps.map((s) => s.id).join(', ') || 'none'}`})
    }
    reuse = events.slice(0, startIdx).filter((e) => e.type === 'step_completed')
  }
  const id = newRunId()
  const at = new Date().toISOString()
  const create = (queued: boolean): RunView => {
    const {seq: _seq, queued: _queued, ...rest} = created
    createRunFiles(ws.layout, id, text, {...rest, at, run: id, retryOf: runId, ...(options.fromStep ? {fromStep: options.fromStep} : {}), ...(queued ? {queued: true} : {})})
    if (reuse.length > 0) {
      appendEvents(
        ws.layout.runJournal(id),
        1,
        ...reuse.map((e) => ({...e, at, reused: true}) as typeof e).map(({seq: _s, ...r}) => r),
      )
      writeRunSnapshot(ws.layout, readRunView(ws.layout, id))
    }
    return readRunView(ws.layout, id)
  }
  const source: FlowSource = {slug: created.flow, text, target: created.target, version: created.version, sha256: created.sha256}
  const view = admission ? await admission(ws, {id, slug: created.flow, input: decode(created.input), source, concurrency: parseFlow(text).concurrency}, create) : create(false)
  signalRun(ws.layout, view.id)
  return view
}

export {parseInputJson} from '../operations/input.js'
