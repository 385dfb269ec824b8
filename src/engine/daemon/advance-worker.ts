/**
 * A daemon worker thread (worker-pool.ts): advances the runs the main thread hands it, so flow
 * code that computes or allocates never holds up the daemon's HTTP, timers and schedules.
 * Messages in: {type: 'advance', run, busy}, {type: 'abort', run}, {type: 'collect'} (the pool is
 * idle: collect garbage in full, heap.ts) and {type: 'retire'} (the pool took this worker out: it
 * has nothing in flight and ends); out: {type: 'ready'} once loaded,
 * {type: 'done', run, result} or {type: 'failed', run, error}.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {toBreytaError} from '../errors.js'
import {advanceRun} from '../runtime/run-loop.js'
import {workspaceAt} from '../workspace/workspace.js'
import {collectGarbage} from './heap.js'

const data = workerData as {root: string; env: NodeJS.ProcessEnv}
// A PostgreSQL store gets a small pool per worker: a daemon's threads and the other daemons
// share the server's connections.
const ws = workspaceAt(data.root, {env: data.env, poolMax: 4})
// The main thread decides what happens next from the result; signals would only echo.
ws.store.signals.mute(true)
const aborts = new Map<string, AbortController>()

parentPort!.on('message', (m: {type: 'advance' | 'abort' | 'collect' | 'retire'; run: string; busy?: boolean}) => {
  if (m.type === 'abort') return void aborts.get(m.run)?.abort()
  if (m.type === 'collect') return void (aborts.size === 0 && collectGarbage())
  if (m.type === 'retire') return void ws.closeStore().finally(() => process.exit(0))
  // A run alone here flushes synchronously (fastest for it); with others waiting, flushes go to
  // the thread pool so the runs' flushes overlap instead of queueing behind each other.
  ws.store.journals.flushOffThread?.(m.busy === true || aborts.size > 0)
  const abort = new AbortController()
  aborts.set(m.run, abort)
  advanceRun(ws, m.run, {env: data.env, signal: abort.signal})
    .then((result) => parentPort!.postMessage({type: 'done', run: m.run, result}))
    .catch((err: unknown) => parentPort!.postMessage({type: 'failed', run: m.run, error: toBreytaError(err).toJSON()}))
    .finally(() => aborts.delete(m.run))
})
parentPort!.postMessage({type: 'ready'})
