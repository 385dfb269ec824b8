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
export {BreytaError, exitCodeFor, isBreytaError, toBreytaError, type ErrorCode, type Problem} from './errors.js'
export {fromJson, toJson, type Json} from './edn/json.js'
export {printEdn} from './edn/print.js'
export {Workspace, initWorkspace, openWorkspace, type InitResult} from './workspace/workspace.js'
export type {FindOptions} from './workspace/find.js'
export type {RunStatus, Target, JournalEvent, RecordedError} from './store/types.js'
export {TERMINAL_STATUSES} from './store/types.js'
export {plainEvent, type RunView, type RunSummary, type StepView, type WaitView} from './runtime/projection.js'
export {listRuns, type ListRunsOptions, type Page} from './runtime/listing.js'
export {cancelRun, createRun, driveRun, parseInputJson, resumeRun, retryRun, type DriveOptions, type StartOptions} from './runtime/runs.js'
export {approvalPayload, completeWait, listOpenWaits, type OpenWait, type WaitCompletion} from './runtime/waits.js'
export {listFlows, newFlow, pushFlow, showFlow, validateFlow, type FlowDetail, type FlowSummary, type ValidationReport} from './runtime/flows.js'
export {readRunEvents, readRunView} from './store/fs/run-store.js'
export {parseDuration, formatDuration} from './flow/duration.js'
export {runningDaemon, type DaemonInfo} from './daemon/status.js'
export {followRun} from './runtime/follow.js'
export {DEFAULT_KV_NAMESPACE, kvDelete, kvGet, kvList, kvSet, parseKvValueText, type KvEntryView} from './runtime/kv.js'
export {openKvStore, type KvEntry, type KvStore} from './store/fs/kv-store.js'
export {listSecrets, setSecretValue, type SecretListing, type SecretSetResult} from './runtime/secrets.js'
export {listResourcesPage, readResource, type ResourceContent} from './runtime/resources.js'
export type {ResourceListing} from './store/fs/resource-store.js'
export {diffFlow, listVersions, parseDiffSide, promoteFlow, releaseFlow, type DiffSide, type FlowDiff, type PromoteOutcome, type ReleaseOutcome, type VersionItem} from './runtime/releasing.js'
/** Concurrency: the daemon calls admitQueued(ws, slug) when a slot may have freed, then drives the returned run ids. */
export {activeRuns, admitQueued, flowsWithQueuedRuns, type QueueEntry} from './runtime/concurrency.js'
/** The daemon (SPEC §7): start it in this process, or control/inspect one from another. */
export {startDaemon, type Daemon, type DaemonOptions, type DaemonStats} from './daemon/daemon.js'
export {daemonStatus, stopDaemon, waitForDaemon, type DaemonStatus, type StopResult} from './daemon/control.js'
export type {DaemonLog, LogLevel} from './daemon/context.js'
export {webhookSignature} from './daemon/webhooks.js'
