/**
 * A daemon worker thread (worker-pool.ts): advances the runs the main thread hands it, so flow
 * code that computes or allocates never holds up the daemon's HTTP, timers and schedules.
 * Messages in: {type: 'advance', run, busy}, {type: 'start', run, request, busy} (create the
 * run, then advance it), {type: 'abort', run}, {type: 'collect'} (the pool is idle: settle
 * its heap, heap.ts) and {type: 'retire'} (the pool took this worker out: it has nothing
 * in flight and ends). An advance may carry `complete` (a callback's completion, journaled by
 * that advance: runtime DirectCompletion). Out: {type: 'ready'} once loaded, {type: 'created',
 * run, view} after a start's creation, {type: 'answered', run, outcome} for a `complete`, then
 * {type: 'done', run, result} or {type: 'failed', run, error}.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {toBreytaError} from '../errors.js'
import {fromJson} from '../edn/json.js'
import {advanceRun, type AdvanceOptions} from '../runtime/run-loop.js'
import {createRun} from '../runtime/runs.js'
import {takeCompletion} from '../operations/waits.js'
import type {CompleteOutcome, CompleteRequest, StartRequest} from './worker-pool.js'
import {workspaceAt} from '../workspace/workspace.js'
import {settleHeap} from './heap.js'

const data = workerData as {root: string; env: NodeJS.ProcessEnv; baseUrl: string}
// The daemon's environment, which does not change: frozen, its redactor is built once (workspace-redactor.ts).
Object.freeze(data.env)
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

/**
 * A callback's completion, taken under the lease by the advance it rides on. Its answer goes to
 * the main thread once the completion is on disk (the advance's first flush), or as soon as it is
 * known that it was not taken here (refused, or to be posted to the inbox after all).
 */
function completing(runId: string, request: CompleteRequest): {options: Pick<AdvanceOptions, 'complete' | 'onEvent'>; settle(): void} {
  let answered = false
  let outcome: CompleteOutcome = 'inbox'
  // Only a completion taken here is answered as accepted: one from the inbox (another process's,
  // taken in by a later lease of this advance) is that process's to answer.
  let took = false
  const answer = (o: CompleteOutcome) => {
    if (answered) return
    answered = true
    parentPort!.postMessage({type: 'answered', run: runId, outcome: o})
  }
  const completion = {payload: fromJson(request.payload), source: request.source}
  return {
    options: {
      complete: {
        take: async (view, events) => {
          try {
            const entry = await takeCompletion(ws, request.key, completion, view, events)
            took = entry !== undefined
            return entry
          } catch (err) {
            outcome = {error: toBreytaError(err).toJSON()}
            return undefined
          }
        },
      },
      onEvent: (e) => took && e.type === 'wait_completed' && e.key === request.key && answer('accepted'),
    },
    settle: () => answer(outcome),
  }
}

type Message =
  | {type: 'advance'; run: string; busy?: boolean; complete?: CompleteRequest}
  | {type: 'start'; run: string; request: StartRequest; busy?: boolean}
  | {type: 'abort'; run: string}
  | {type: 'collect'}
  | {type: 'retire'}

parentPort!.on('message', (m: Message) => {
  if (m.type === 'abort') return void aborts.get(m.run)?.abort()
  if (m.type === 'collect') return void (aborts.size === 0 && settleHeap(() => aborts.size > 0))
  if (m.type === 'retire') return void ws.closeStore().finally(() => process.exit(0))
  // A run alone here flushes synchronously (fastest for it); with others waiting, flushes go to
  // the thread pool so the runs' flushes overlap instead of queueing behind each other.
  ws.store.journals.flushOffThread?.(m.busy === true || aborts.size > 0)
  const abort = new AbortController()
  aborts.set(m.run, abort)
  const created = m.type === 'start' ? create(m.run, m.request) : Promise.resolve()
  const complete = m.type === 'advance' && m.complete ? completing(m.run, m.complete) : undefined
  created
    .then(() => advanceRun(ws, m.run, {env: data.env, signal: abort.signal, ...complete?.options}))
    .then((result) => (complete?.settle(), parentPort!.postMessage({type: 'done', run: m.run, result})))
    .catch((err: unknown) => (complete?.settle(), parentPort!.postMessage({type: 'failed', run: m.run, error: toBreytaError(err).toJSON()})))
    .finally(() => aborts.delete(m.run))
})
parentPort!.postMessage({type: 'ready'})
