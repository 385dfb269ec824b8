/**
 * The heavy half of the public API: everything that needs the validator, the interpreter, the
 * step families or the daemon. `index.ts` loads this module on the first call to one of them, so
 * `breyta runs list` never pays for it.
 */

export {cancelRun, createRun, driveRun, resumeRun, retryRun} from '../runtime/runs.js'
export {listFlows, newFlow, pushFlow, showFlow, validateFlow} from './flows.js'
export {diffFlow, listVersions, parseDiffSide, promoteFlow, releaseFlow} from './releasing.js'
export {activeRuns, admitQueued, flowsWithQueuedRuns} from '../runtime/concurrency.js'
export {completeWaitAndContinue, continueQueuedRuns, startRun} from './continue.js'
export {spawnDetachedDaemon, stopDaemon, waitForDaemon} from '../daemon/control.js'
export {followRun} from './follow.js'
export {flowGraph, runGraph} from './graph.js'
export {kvDelete, kvGet, kvList, kvSet} from './kv.js'
export {listSecrets, setSecretValue} from './secrets.js'
export {listResourcesPage, readResource} from '../runtime/resources.js'
export {listConnections, showConnection, testConnection} from './connections.js'
export {exportRun, importRun, parseRunExport} from './transfer.js'
