/**
 * Fold a run's journal into its view: the SPEC §6 `runs show --json` shape. run.json is this
 * view written as a snapshot; `runs show` recomputes it from the journal so it is never stale.
 */
import {decode, toJson, type Json} from '../edn/json.js'
import {kebabEvent} from './casing.js'
import type {Approval, JournalEvent, RecordedError, RunStatus, Target} from './events.js'

export interface StepView {
  id: string
  type: string
  status: 'running' | 'completed' | 'failed' | 'waiting' | 'sleeping' | 'retrying' | 'cancelled'
  attempts: number
  'started-at': string | null
  'finished-at': string | null
  input: Json
  output: Json
  error: RecordedError | null
  position: string
}

export interface WaitView {
  key: string
  step: string
  /** `cancelled`: the run failed or was cancelled while the wait was open (nothing can complete it). */
  status: 'open' | 'completed' | 'timed-out' | 'cancelled'
  approval: Approval | null
  'callback-url': string | null
  'timeout-at': string | null
  'on-timeout': 'fail' | 'continue'
  payload: Json
  'completed-at': string | null
  'completed-by': string | null
}

export interface RunView {
  id: string
  flow: string
  target: Target
  version: number | null
  sha256: string
  status: RunStatus
  input: Json
  output: Json
  error: RecordedError | null
  'created-at': string
  'started-at': string | null
  'finished-at': string | null
  'updated-at': string
  'current-step': string | null
  'wake-at': string | null
  'retry-of': string | null
  steps: StepView[]
  waits: WaitView[]
  /** Journal sequence number this view reflects. */
  seq: number
}

/** The fields `runs list` returns per run. */
export type RunSummary = Pick<
  RunView,
  'id' | 'flow' | 'target' | 'version' | 'status' | 'created-at' | 'started-at' | 'finished-at' | 'updated-at' | 'current-step' | 'error'
> & {
  /** Open waits; `prompt` is set for approvals. */
  waiting: {key: string; approval: boolean; prompt: string | null}[]
}

const plain = (j: Json | undefined): Json => (j === undefined ? null : toJson(decode(j)))

export function projectRun(events: JournalEvent[]): RunView | undefined {
  const created = events.find((e) => e.type === 'run_created')
  if (created?.type !== 'run_created') return undefined
  const view: RunView = {
    id: created.run,
    flow: created.flow,
    target: created.target,
    version: created.version,
    sha256: created.sha256,
    status: created.queued ? 'queued' : 'running',
    input: plain(created.input),
    output: null,
    error: null,
    'created-at': created.at,
    'started-at': null,
    'finished-at': null,
    'updated-at': created.at,
    'current-step': null,
    'wake-at': null,
    'retry-of': created.retryOf ?? null,
    steps: [],
    waits: [],
    seq: 0,
  }
  const steps = new Map<string, StepView>()
  const waits = new Map<string, WaitView>()
  for (const e of events) applyEvent(view, steps, waits, e)
  view.steps = [...steps.values()]
  view.waits = [...waits.values()]
  return view
}

function stepFor(steps: Map<string, StepView>, id: string, type: string, position: string, at: string): StepView {
  let s = steps.get(id)
  if (!s) {
    s = {id, type, status: 'running', attempts: 0, 'started-at': at, 'finished-at': null, input: null, output: null, error: null, position}
    steps.set(id, s)
  }
  return s
}

/** The view being folded, with its steps and waits by id until the fold ends. */
interface Fold {
  view: RunView
  steps: Map<string, StepView>
  waits: Map<string, WaitView>
}

type EventOf<K extends JournalEvent['type']> = Extract<JournalEvent, {type: K}>

function applyEvent(view: RunView, steps: Map<string, StepView>, waits: Map<string, WaitView>, e: JournalEvent): void {
  view.seq = e.seq
  view['updated-at'] = e.at
  // Events that do not change the view (run_created, log, step_process, …), or that a newer breyta wrote, have no entry.
  if (!Object.hasOwn(APPLY, e.type)) return
  const apply = APPLY[e.type] as (fold: Fold, e: JournalEvent) => void
  apply({view, steps, waits}, e)
}

function runRunning({view}: Fold, e: EventOf<'run_started' | 'run_resumed'>): void {
  view.status = 'running'
  view['started-at'] ??= e.at
  view['wake-at'] = null
}

function stepStarted({view, steps}: Fold, e: EventOf<'step_started'>): void {
  const s = stepFor(steps, e.step, e.stepType, e.position, e.at)
  s.status = 'running'
  s.attempts = Math.max(s.attempts, e.attempt)
  s.input = plain(e.input)
  s.error = null
  view['current-step'] = e.step
}

function stepAttemptFailed({steps}: Fold, e: EventOf<'step_attempt_failed'>): void {
  const s = steps.get(e.step)
  if (s) {
    s.status = 'retrying'
    s.error = e.error
  }
}

function stepCompleted({steps}: Fold, e: EventOf<'step_completed'>): void {
  const s = stepFor(steps, e.step, e.stepType, e.position, e.at)
  s.status = 'completed'
  s.attempts = Math.max(s.attempts, e.attempt)
  s.output = plain(e.output)
  s['finished-at'] = e.at
  s.error = null
}

function stepFailed({steps}: Fold, e: EventOf<'step_failed'>): void {
  const s = steps.get(e.step)
  if (s) {
    s.status = 'failed'
    s.error = e.error
    s['finished-at'] = e.at
  }
}

function waitOpened({steps, waits}: Fold, e: EventOf<'wait_opened'>): void {
  const s = steps.get(e.step)
  if (s) s.status = 'waiting'
  waits.set(e.key, {
    key: e.key,
    step: e.step,
    status: 'open',
    approval: e.approval ?? null,
    'callback-url': null,
    'timeout-at': e.timeoutAt ?? null,
    'on-timeout': e.onTimeout,
    payload: null,
    'completed-at': null,
    'completed-by': null,
  })
}

function waitCompleted({waits}: Fold, e: EventOf<'wait_completed'>): void {
  const w = waits.get(e.key)
  if (w) {
    w.status = e.source === 'timeout' ? 'timed-out' : 'completed'
    w.payload = plain(e.payload)
    w['completed-at'] = e.at
    w['completed-by'] = e.by ?? null
  }
}

function runCompleted({view}: Fold, e: EventOf<'run_completed'>): void {
  view.status = 'completed'
  view.output = plain(e.output)
  view['finished-at'] = e.at
  view['current-step'] = null
  view['wake-at'] = null
}

function runFailed({view, waits}: Fold, e: EventOf<'run_failed'>): void {
  view.status = 'failed'
  view.error = e.error
  view['finished-at'] = e.at
  view['wake-at'] = null
  closeWaits(waits)
}

function runCancelled({view, steps, waits}: Fold, e: EventOf<'run_cancelled'>): void {
  view.status = 'cancelled'
  view['finished-at'] = e.at
  view['wake-at'] = null
  for (const s of steps.values())
    if (s.status === 'running' || s.status === 'waiting' || s.status === 'sleeping' || s.status === 'retrying') s.status = 'cancelled'
  closeWaits(waits)
}

/** How each event type changes the view. */
const APPLY: {[K in JournalEvent['type']]?: (fold: Fold, e: EventOf<K>) => void} = {
  run_started: runRunning,
  run_resumed: runRunning,
  run_admitted: ({view}) => {
    view.status = 'running'
  },
  step_started: stepStarted,
  step_attempt_failed: stepAttemptFailed,
  step_completed: stepCompleted,
  step_failed: stepFailed,
  wait_opened: waitOpened,
  wait_completed: waitCompleted,
  sleep_started: ({steps}, e) => {
    const s = steps.get(e.step)
    if (s) s.status = 'sleeping'
  },
  run_parked: ({view}, e) => {
    view.status = e.status
    view['wake-at'] = e.wakeAt ?? null
  },
  run_completed: runCompleted,
  run_failed: runFailed,
  run_cancelled: runCancelled,
}

/** A run that ended leaves no wait open: `waits complete` on it could only fail. */
function closeWaits(waits: Map<string, WaitView>): void {
  for (const w of waits.values()) if (w.status === 'open') w.status = 'cancelled'
}

export function summarize(view: RunView): RunSummary {
  return {
    id: view.id,
    flow: view.flow,
    target: view.target,
    version: view.version,
    status: view.status,
    'created-at': view['created-at'],
    'started-at': view['started-at'],
    'finished-at': view['finished-at'],
    'updated-at': view['updated-at'],
    'current-step': view['current-step'],
    error: view.error,
    waiting: view.waits.filter((w) => w.status === 'open').map((w) => ({key: w.key, approval: w.approval !== null, prompt: w.approval?.prompt ?? null})),
  }
}

/**
 * A journal event with its EDN payloads in the SPEC §6 JSON form and kebab-case field names
 * (for `runs logs --json`).
 */
export function plainEvent(e: JournalEvent): Record<string, unknown> {
  const out: Record<string, unknown> = kebabEvent(e)
  for (const k of ['input', 'output', 'payload', 'default-value', 'meta'] as const) {
    if (k in out && out[k] !== undefined) out[k] = plain(out[k] as Json)
  }
  return out
}
