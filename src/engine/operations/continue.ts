/**
 * Who continues a run (SPEC §6): the daemon when one answers and acknowledges the run, otherwise
 * the process that asked. Decided here once, for `flows run`, `runs retry`, `waits
 * approve|reject|complete` and the TUI's decisions; a command only parses, calls and renders.
 *
 * Without a daemon nobody else starts a queued run, so the process that ends a run of a flow
 * also admits the runs waiting in line behind it and executes them, as the daemon would
 * (continueQueuedRuns). That is what makes a queued run whose starter died (or returned at
 * once) move on.
 */
import {admitQueued} from '../runtime/concurrency.js'
import {TERMINAL_STATUSES, type JournalEvent} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'
import {createRun, driveRun, retryRun, type StartOptions} from '../runtime/runs.js'
import type {Workspace} from '../workspace/workspace.js'
import {awaitRunChange, handToDaemon, probeDaemon} from '../daemon/presence.js'
import type {DaemonInfo} from '../daemon/status.js'
import {completeWait, type WaitCompletion} from './waits.js'

/**
 * Who goes on with a run: `daemon` (it acknowledged the run; this process returned),
 * `this-process` (executed here until it ended or parked; with `wait`, until it ended, following
 * through the daemon's long poll whatever part a running daemon executes), or `queue` (queued by
 * the flow's concurrency policy and returned at once: the daemon, or else the process that next
 * ends a run of the flow, starts it when a slot frees).
 */
export type HandedTo = 'daemon' | 'this-process' | 'queue'

export interface ContinueQueuedOptions {
  /** Told before each queued run starts here (the CLI prints a note, the TUI tracks it). */
  onStart?: (runId: string, flow: string) => void
  /** The environment the started runs' steps see. */
  env?: NodeJS.ProcessEnv
}

export interface StartRunOptions {
  /** What starts: a new run of a flow (createRun's options), or a new run of an earlier run's pinned definition and input. */
  run: StartOptions | {retry: string; fromStep?: string}
  /** Go on through sleeps and waits until the run ends (`--wait`), even with a daemon running. */
  wait?: boolean
  /** With `wait`: stop waiting after this long (the run goes on). */
  timeoutMs?: number
  signal?: AbortSignal
  /** The environment the steps see when the run executes here. */
  env?: NodeJS.ProcessEnv
  onEvent?: (e: JournalEvent) => void
  /** Told just before this process executes (or follows) the run: the CLI starts its progress line there. */
  onDrive?: (view: RunView, daemon: DaemonInfo | undefined) => void | Promise<void>
  /** Told before each queued run this process starts after the run ended. */
  onQueuedStart?: (runId: string, flow: string) => void
}

/** The daemon that answered, if one did (always, when the run was handed to it). */
type Answered<H extends HandedTo> = {'handed-to': 'daemon'; daemon: DaemonInfo} | {'handed-to': Exclude<H, 'daemon'>; daemon: DaemonInfo | undefined}

export type StartedRun = Answered<HandedTo> & {
  view: RunView
  /** Queued runs this process started after the run ended (and ran until they ended or parked). */
  started: string[]
}

/** Create a run (or a retry), then hand it to the daemon or drive it here. */
export async function startRun(ws: Workspace, options: StartRunOptions): Promise<StartedRun> {
  const spec = options.run
  const created = 'retry' in spec ? await retryRun(ws, spec.retry, {fromStep: spec.fromStep}) : await createRun(ws, spec)
  // Handed over only when the daemon acknowledges it; a dead daemon never strands a run.
  const daemon = options.wait ? await probeDaemon(ws) : await handToDaemon(ws, created.id)
  if (created.status === 'queued' && !options.wait) return {view: created, 'handed-to': 'queue', daemon, started: []}
  if (daemon && !options.wait) return {view: created, 'handed-to': 'daemon', daemon, started: []}
  await options.onDrive?.(created, daemon)
  const view = await driveRun(ws, created.id, {
    wait: options.wait,
    waitForAdmission: !daemon,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    env: options.env ?? process.env,
    onEvent: options.onEvent,
    ...(daemon
      ? {pollMs: 50, awaitChange: (id: string, seq: number, ms: number, signal?: AbortSignal) => awaitRunChange(ws, daemon, id, seq, ms, signal)}
      : {}),
  })
  const started = await continueQueuedRuns(ws, view, {env: options.env, onStart: options.onQueuedStart})
  return {view, 'handed-to': 'this-process', daemon, started}
}

export interface CompleteAndContinueOptions {
  /** The environment the steps see when the run continues here. */
  env?: NodeJS.ProcessEnv
  /** Told once the completion is recorded, before the run continues (the TUI's screen goes on then). */
  onRecorded?: (view: RunView) => void
  /** Told before each queued run this process starts after the run ended. */
  onQueuedStart?: (runId: string, flow: string) => void
}

export type ContinuedRun = Answered<Exclude<HandedTo, 'queue'>> & {
  view: RunView
  started: string[]
}

/** Approve, reject or complete a wait; then the daemon, or else this process, continues the run. */
export async function completeWaitAndContinue(
  ws: Workspace,
  runId: string,
  key: string,
  completion: WaitCompletion,
  options: CompleteAndContinueOptions = {},
): Promise<ContinuedRun> {
  const recorded = await completeWait(ws, runId, key, completion)
  options.onRecorded?.(recorded)
  // With a daemon, it sees the inbox entry and continues the run; without one, this process does.
  const daemon = await handToDaemon(ws, runId)
  if (daemon) return {view: await ws.store.runs.readView(runId), 'handed-to': 'daemon', daemon, started: []}
  const env = options.env ?? process.env
  const view = await driveRun(ws, runId, {env})
  // The run may have ended and freed its flow's slot: start what queued behind it.
  const started = await continueQueuedRuns(ws, view, {env, onStart: options.onQueuedStart})
  return {view, 'handed-to': 'this-process', daemon, started}
}

/**
 * When `ended` has ended and no daemon answers, start the runs of its flow that now have a slot,
 * and in turn what queued behind each of them. Returns the ids of the runs started here.
 */
export async function continueQueuedRuns(ws: Workspace, ended: RunView, options: ContinueQueuedOptions = {}): Promise<string[]> {
  if (!TERMINAL_STATUSES.includes(ended.status) || (await probeDaemon(ws))) return []
  const started: string[] = []
  for (const id of await admitQueued(ws, ended.flow)) {
    options.onStart?.(id, ended.flow)
    started.push(id)
    const view = await driveRun(ws, id, {env: options.env ?? process.env})
    started.push(...(await continueQueuedRuns(ws, view, options)))
  }
  return started
}
