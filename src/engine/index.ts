/**
 * breyta's engine: the public API that the CLI, the daemon and the TUI use.
 *
 * Glossary
 * - flow: an EDN definition with a stable slug and a deterministic `:flow` body.
 * - draft: the editable `.breyta/flows/<slug>.edn`; release: an immutable numbered copy.
 * - run: one execution, pinned to the exact flow text (and version) it started on.
 * - step: one `(flow/step TYPE ID CONFIG)` call; attempt: one try of a step (see :retry).
 * - journal: the run's append-only `events.jsonl`, the source of truth for replay.
 * - wait: a step that parks the run until completed (approval, callback, CLI) or timed out.
 * - callback: the URL (with an HMAC token) a remote worker POSTs to, to complete a wait.
 * - resource: a large or persisted output stored under `resources/`, travelling as a res:// ref.
 */
import type {RunChangeWatch} from './store/types.js'
import type {Workspace} from './workspace/workspace.js'

export {BreytaError, exitCodeFor, isBreytaError, toBreytaError, type ErrorCode, type Problem} from './errors.js'
export {fromJson, toJson, type Json} from './edn/json.js'
export {closest} from './suggest.js'
export {printEdn} from './edn/print.js'
export {Workspace, initWorkspace, openWorkspace, type InitResult} from './workspace/workspace.js'
export type {FindOptions} from './workspace/find.js'
export type {RunStatus, Target, JournalEvent, RecordedError} from './journal/events.js'
export {TERMINAL_STATUSES} from './journal/events.js'
export {plainEvent, type RunView, type RunSummary, type StepView, type WaitView} from './journal/projection.js'
export {listRuns, type ListRunsOptions, type Page} from './operations/listing.js'
export {runHealth, type RunHealth} from './operations/health.js'
export type {DriveOptions, StartOptions} from './runtime/runs.js'
export {parseInputJson, parseInputObject} from './operations/input.js'
export {approvalPayload, completeWait, listOpenWaits, type OpenWait, type WaitCompletion} from './operations/waits.js'
export type {FlowDetail, FlowSummary, ValidationReport} from './operations/flows.js'
/** One run as commands and the TUI show it, from the workspace's store. */
export {runEvents, runView} from './operations/run-read.js'
/** The same read from the files directly, for tests that look at what was written (engine code uses runView). */
export {readRunEvents, readRunView} from './store/fs/run-store.js'
/** Live output of `:exec`/`:ssh` steps (bounded per-step logs beside the journal). */
export {RunOutputCursor, type OutputItem} from './operations/step-output-read.js'
export type {RunChangeWatch, Store, LocalFiles} from './store/types.js'
export {parseDuration, formatDuration} from './flow/duration.js'
export {runningDaemon, type DaemonInfo} from './daemon/status.js'
export {awaitRunChange, handToDaemon, probeDaemon} from './daemon/presence.js'
export type {KvEntryView} from './operations/kv.js'
/** The CLI's kv namespace when --namespace is not given (a flow's keys live under its slug). */
export const DEFAULT_KV_NAMESPACE = 'default'
export type {KvEntry, KvStore} from './store/types.js'
export type {SecretListing, SecretSetResult} from './operations/secrets.js'
export {Redactor, REDACTED} from './runtime/redact.js'
export {envRedactor, liveWorkspaceRedactor} from './runtime/workspace-redactor.js'
export type {ResourceContent} from './runtime/resources.js'
export type {ConnectionSummary, ConnectionTest, SecretRef} from './operations/connections.js'
export type {ResourceListing} from './store/types.js'
export type {DiffSide, FlowDiff, PromoteOutcome, ReleaseOutcome, VersionItem} from './operations/releasing.js'
/** Concurrency: the daemon calls admitQueued(ws, slug) when a slot may have freed, then drives the returned run ids. */
export type {QueueEntry} from './runtime/concurrency.js'
/** The daemon (SPEC §7): start it in this process, or control/inspect one from another. */
export type {Daemon, DaemonOptions, DaemonStats} from './daemon/daemon.js'
export {daemonStatus, type DaemonStatus, type StopResult} from './daemon/control.js'
export type {DaemonLog, LogLevel} from './daemon/context.js'
export {webhookSignature} from './daemon/signature.js'

/**
 * The change feed: `onChange(runId)` whenever any process (this one, another CLI, the daemon)
 * changes a run, with or without a daemon; `close()` stops. Built on the signals directory, so
 * it costs one inotify watch however many runs exist. Bursts are not coalesced here.
 */
export function watchRuns(ws: Workspace, onChange: (runId: string) => void): RunChangeWatch {
  return ws.store.signals.watch(onChange)
}

// The heavy operations load on first use (see operations.ts). Every wrapper returns a Promise.
type Operations = typeof import('./operations/index.js')
type Lazy<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
let operations: Promise<Operations> | undefined
function lazy<K extends keyof Operations>(name: K): Lazy<Operations[K]> {
  return lazyFrom(() => (operations ??= import('./operations/index.js')), name)
}
function lazyFrom<M, K extends keyof M>(load: () => Promise<M>, name: K): Lazy<M[K]> {
  return (async (...args: unknown[]) => ((await load())[name] as (...a: unknown[]) => unknown)(...args)) as Lazy<M[K]>
}

/** Create a run pinned to the exact flow text (concurrency admission included); does not execute it. */
export const createRun = lazy('createRun')
/** Execute a run here until it ends or parks; with `wait`, through sleeps and waits. */
export const driveRun = lazy('driveRun')
/** Continue a run whose process died, or a parked run. */
export const resumeRun = lazy('resumeRun')
/** A new run of the same pinned definition and input (`fromStep` reuses earlier outputs). */
export const retryRun = lazy('retryRun')
/** Cancel a run: at once when parked, else by asking its executor to stop. */
export const cancelRun = lazy('cancelRun')
export const listFlows = lazy('listFlows')
export const newFlow = lazy('newFlow')
export const pushFlow = lazy('pushFlow')
export const showFlow = lazy('showFlow')
export const validateFlow = lazy('validateFlow')
export const diffFlow = lazy('diffFlow')
export const listVersions = lazy('listVersions')
export const parseDiffSide = lazy('parseDiffSide')
export const promoteFlow = lazy('promoteFlow')
export const releaseFlow = lazy('releaseFlow')
export const activeRuns = lazy('activeRuns')
export const admitQueued = lazy('admitQueued')
export const flowsWithQueuedRuns = lazy('flowsWithQueuedRuns')
/**
 * Who continues a run (SPEC §6): the daemon if one answers and takes it, otherwise this process.
 * startRun creates a run (or a retry) and hands it over or drives it; completeWaitAndContinue
 * records a decision or payload, then the run continues the same way.
 */
export const startRun = lazy('startRun')
export const completeWaitAndContinue = lazy('completeWaitAndContinue')
/** Without a daemon, the process that ended a run starts what queued behind it (the CLI and the TUI alike). */
export const continueQueuedRuns = lazy('continueQueuedRuns')
export type {CompleteAndContinueOptions, ContinuedRun, ContinueQueuedOptions, HandedTo, StartedRun, StartRunOptions} from './operations/continue.js'
/** The daemon itself (its HTTP server, timers, schedules and watcher) loads only for `daemon start`, not with the operations. */
export const startDaemon = lazyFrom(() => import('./daemon/daemon.js'), 'startDaemon')
/** `daemon start --detach`: start a daemon in the background and return once it answers. */
export const spawnDetachedDaemon = lazy('spawnDetachedDaemon')
export type {DetachedDaemon, DetachOptions} from './daemon/control.js'
export const stopDaemon = lazy('stopDaemon')
export const waitForDaemon = lazy('waitForDaemon')
export const followRun = lazy('followRun')
/** A picture of a flow's steps, branches, fan-outs and waits (mermaid, dot or text); runGraph colours it by a run. */
export const flowGraph = lazy('flowGraph')
export const runGraph = lazy('runGraph')
export type {GraphFormat} from './flow/graph.js'
export type {FlowGraphResult} from './operations/graph.js'
export const kvGet = lazy('kvGet')
export const kvSet = lazy('kvSet')
export const kvDelete = lazy('kvDelete')
export const kvList = lazy('kvList')
export const listSecrets = lazy('listSecrets')
export const setSecretValue = lazy('setSecretValue')
export const readResource = lazy('readResource')
export const listResourcesPage = lazy('listResourcesPage')
/** connections.edn: list, show (secrets by name only) and a live test through the step family. */
export const listConnections = lazy('listConnections')
export const showConnection = lazy('showConnection')
export const testConnection = lazy('testConnection')
/** `runs export` / `runs import`: one run (journal, pinned definition, resources) as a JSON document, between workspaces and stores. */
export const exportRun = lazy('exportRun')
export const importRun = lazy('importRun')
export const parseRunExport = lazy('parseRunExport')
export type {RunExport} from './operations/transfer.js'
