/**
 * A daemon worker thread (worker-pool.ts): advances the runs the main thread hands it, so flow
 * code that computes or allocates never holds up the daemon's HTTP, timers and schedules.
 * Messages in: {type: 'advance', run, busy}, {type: 'start', run, request, busy} (create the
 * run, then advance it), {type: 'abort', run}, {type: 'collect'} (the pool is idle: collect
 * garbage in full, heap.ts) and {type: 'retire'} (the pool took this worker out: it has nothing
 * in flight and ends); out: {type: 'ready'} once loaded, {type: 'created', run, view} after a
 * start's creation, then {type: 'done', run, result} or {type: 'failed', run, error}.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {toBreytaError} from '../errors.js'
import {fromJson} from '../edn/json.js'
import {advanceRun} from '../runtime/run-loop.js'
import {createRun} from '../runtime/runs.js'
import type {StartRequest} from './worker-pool.js'
import {workspaceAt} from '../workspace/workspace.js'
import {collectGarbage} from './heap.js'

const data = workerData as {root: string; env: NodeJS.ProcessEnv; baseUrl: string}
// A PostgreSQL store gets a small pool per worker: a daemon's threads and the other daemons
// share the server's connections.
const ws = workspaceAt(data.root, {env: data.env, poolMax: 4, baseUrl: data.baseUrl})
// The main thread decides what happens next from the result; signals would only echo.
ws.store.signals.mute(true)
const aborts = new Map<string, AbortController>()

/** A webhook's run (worker-pool.ts startIn): created here, reported, then advanced at once. */
async function create(runId: string, request: StartRequest): Promise<void> {
  const view = await createRun(ws, {...request, input: fromJson(request.input), env: data.env, id: runId})
  parentPort!.postMessage({type: 'created', run: runId, view})
}

type Message =
  | {type: 'advance'; run: string; busy?: boolean}
  | {type: 'start'; run: string; request: StartRequest; busy?: boolean}
  | {type: 'abort'; run: string}
  | {type: 'collect'}
  | {type: 'retire'}

parentPort!.on('message', (m: Message) => {
  if (m.type === 'abort') return void aborts.get(m.run)?.abort()
  if (m.type === 'collect') return void (aborts.size === 0 && collectGarbage())
  if (m.type === 'retire') return void ws.closeStore().finally(() => process.exit(0))
  // A run alone here flushes synchronously (fastest for it); with others waiting, flushes go to
  // the thread pool so the runs' flushes overlap instead of queueing behind each other.
  ws.store.journals.flushOffThread?.(m.busy === true || aborts.size > 0)
  const abort = new AbortController()
  aborts.set(m.run, abort)
  const created = m.type === 'start' ? create(m.run, m.request) : Promise.resolve()
  created
    .then(() => advanceRun(ws, m.run, {env: data.env, signal: abort.signal}))
    .then((result) => parentPort!.postMessage({type: 'done', run: m.run, result}))
    .catch((err: unknown) => parentPort!.postMessage({type: 'failed', run: m.run, error: toBreytaError(err).toJSON()}))
    .finally(() => aborts.delete(m.run))
})
parentPort!.postMessage({type: 'ready'})
