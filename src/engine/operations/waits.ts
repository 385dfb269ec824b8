/** Completing waits (approve, reject, complete, callback) and listing open ones. */
import {decode, encode, toJson, type Json} from '../edn/json.js'
import {emap, kw, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {TERMINAL_STATUSES} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {waitingIds} from './listing.js'
import {runEvents} from './run-read.js'
import type {RunView, WaitView} from '../journal/projection.js'
import type {JournalEvent} from '../journal/events.js'
import type {InboxEntry} from '../store/types.js'

export interface WaitCompletion {
  /** The payload (EDN). For approvals, build it with `approvalPayload`. */
  payload: Value
  source: 'cli' | 'callback' | 'api'
  by?: string
  decision?: 'approved' | 'rejected'
  /**
   * Accept a completion for a wait the run has not opened yet (a fast worker's callback).
   * The token on a callback URL proves the key was issued for this run.
   */
  allowEarly?: boolean
}

export function approvalPayload(decision: 'approved' | 'rejected', by: string, comment: string | undefined, at: Date = new Date()): Value {
  return emap({decision: kw(decision), by, comment: comment ?? null, at: at.toISOString()})
}

function missingRequired(wait: WaitView | undefined, payload: Value, required: string[] | undefined): string[] {
  if (!wait || !required || required.length === 0) return []
  if (!(payload instanceof Map)) return required
  return required.filter((k) => !payload.has(kw(k)) && !payload.has(k))
}

/**
 * Record the completion of wait KEY exactly once. Throws wait_already_completed (exit 4) for
 * the loser of a race, wait_not_found for an unknown key, invalid_input for a payload that
 * fails the wait's :validation.
 */
export async function completeWait(ws: Workspace, runId: string, key: string, completion: WaitCompletion): Promise<RunView> {
  const view = await ws.store.runs.readView(runId)
  const wait = view.waits.find((w) => w.key === key)
  if (wait) checkWaitOpen(runId, key, wait, view)
  else await checkEarlyCompletion(ws, runId, key, view, completion)
  if (TERMINAL_STATUSES.includes(view.status)) {
    throw new BreytaError('run_not_active', `run ${runId} is ${view.status}`, {hint: 'Waits of a finished run cannot be completed.'})
  }
  checkDecision(runId, key, wait, completion)
  checkRequired(key, wait, completion.payload, await findValidation(ws, runId, key))
  const won = await ws.store.inbox.post(runId, inboxEntry(key, completion))
  if (!won) throw await earlierInInbox(ws, runId, key)
  return view
}

/**
 * Wait KEY's completion claimed (InboxStore.claim) by the caller, who holds the run's lease and
 * journals it at once (a daemon's callback, runtime DirectCompletion). Undefined when it must
 * take the inbox's way (completeWait, which gives the answer): the wait is not open in `view`, or
 * a completion was posted or claimed first. Throws as completeWait does for a refused payload.
 */
export async function takeCompletion(
  ws: Workspace,
  key: string,
  completion: WaitCompletion,
  view: RunView,
  events: JournalEvent[],
): Promise<InboxEntry | undefined> {
  const wait = view.waits.find((w) => w.key === key)
  if (!wait || wait.status !== 'open' || view.status !== 'waiting') return undefined
  checkDecision(view.id, key, wait, completion)
  checkRequired(key, wait, completion.payload, requiredKeys(events, key))
  const entry = inboxEntry(key, completion)
  return (await ws.store.inbox.claim(view.id, entry)) ? entry : undefined
}

function inboxEntry(key: string, completion: WaitCompletion): InboxEntry {
  return {
    key,
    payload: encode(completion.payload),
    source: completion.source,
    at: new Date().toISOString(),
    ...(completion.by ? {by: completion.by} : {}),
    ...(completion.decision ? {decision: completion.decision} : {}),
  }
}

function checkDecision(runId: string, key: string, wait: WaitView | undefined, completion: WaitCompletion): void {
  if (wait && completion.decision && !wait.approval) {
    throw new BreytaError('invalid_input', `wait "${key}" is not an approval`, {
      hint: `Complete it with \`breyta waits complete ${runId} ${key} --payload JSON\`.`,
    })
  }
}

/** A wait the run opened can be completed only while it is open. */
function checkWaitOpen(runId: string, key: string, wait: WaitView, view: RunView): void {
  if (wait.status === 'cancelled') {
    throw new BreytaError('run_not_active', `run ${runId} is ${view.status}; its wait "${key}" was closed with it`, {
      hint: `Nothing can complete it now; start the run again with \`breyta runs retry ${runId}\`.`,
      details: {run: runId, key, status: view.status},
    })
  }
  if (wait.status !== 'open') {
    throw alreadyCompleted(
      runId,
      key,
      `was already ${wait.status === 'timed-out' ? 'timed out' : 'completed'}${wait['completed-by'] ? ' by ' + wait['completed-by'] : ''}`,
      wait.payload,
      wait['completed-by'],
      wait['completed-at'],
    )
  }
}

/** A wait the run has not opened: already posted, or accepted early only when the caller allows it and the run goes on. */
async function checkEarlyCompletion(ws: Workspace, runId: string, key: string, view: RunView, completion: WaitCompletion): Promise<void> {
  if (await ws.store.inbox.has(runId, key)) throw await earlierInInbox(ws, runId, key)
  if (!completion.allowEarly || TERMINAL_STATUSES.includes(view.status)) {
    throw new BreytaError('wait_not_found', `run ${runId} has no open wait "${key}"`, {
      hint: `Open waits: ${
        view.waits
          .filter((w) => w.status === 'open')
          .map((w) => w.key)
          .join(', ') || 'none'
      }. List them with \`breyta waits list --run ${runId}\`.`,
    })
  }
}

/** The wait's `:validation {:required [...]}`, checked against the payload. */
function checkRequired(key: string, wait: WaitView | undefined, payload: Value, required: string[] | undefined): void {
  const missing = missingRequired(wait, payload, required)
  if (missing.length > 0) {
    throw new BreytaError('invalid_input', `payload for wait "${key}" is missing required key${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
      hint: 'The wait declares :validation {:required [...]}.',
      details: {missing},
    })
  }
}

/** The loser of a race: the decision that won is in the inbox, not yet in the journal. */
async function earlierInInbox(ws: Workspace, runId: string, key: string): Promise<BreytaError> {
  const entry = (await ws.store.inbox.read(runId)).find((e) => e.key === key)
  return alreadyCompleted(runId, key, 'was already completed', entry ? toJson(decode(entry.payload)) : null, entry?.by ?? null, entry?.at ?? null)
}

/**
 * wait_already_completed carrying the earlier decision ({decision by at comment}), so whoever
 * decided second learns what was decided without another command.
 */
function alreadyCompleted(runId: string, key: string, what: string, payload: Json, by: string | null, at: string | null): BreytaError {
  const p = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, Json>) : {}
  const decision = typeof p.decision === 'string' ? p.decision : null
  return new BreytaError('wait_already_completed', `wait "${key}" of run ${runId} ${what}${decision ? ` (${decision})` : ''}`, {
    hint: `A wait can be completed once; see the run with \`breyta runs show ${runId}\`.`,
    details: {
      run: runId,
      key,
      decision,
      by: (typeof p.by === 'string' ? p.by : null) ?? by,
      at: (typeof p.at === 'string' ? p.at : null) ?? at,
      comment: typeof p.comment === 'string' ? p.comment : null,
      payload,
    },
  })
}

async function findValidation(ws: Workspace, runId: string, key: string): Promise<string[] | undefined> {
  return requiredKeys(await runEvents(ws, runId), key)
}

function requiredKeys(events: JournalEvent[], key: string): string[] | undefined {
  // The projection keeps what people need; validation lives on the journal's wait_opened event.
  for (const e of events) if (e.type === 'wait_opened' && e.key === key) return e.validation?.required
  return undefined
}

export interface OpenWait extends WaitView {
  run: string
  flow: string
  'opened-at': string
}

/** Open waits, newest runs first. Reads only the runs the waiting index lists (RunStore.waitingIds). */
export async function listOpenWaits(ws: Workspace, options: {runId?: string; limit?: number} = {}): Promise<OpenWait[]> {
  const ids = options.runId ? [options.runId] : await waitingIds(ws)
  const callbacks = await ws.callbacks()
  const out: OpenWait[] = []
  for (const id of ids) {
    const snap = options.runId ? await ws.store.runs.readView(id) : await ws.store.runs.readSnapshot(id)
    if (!snap || snap.status !== 'waiting') continue
    for (const w of snap.waits) {
      if (w.status !== 'open') continue
      const step = snap.steps.find((s) => s.id === w.step)
      out.push({...w, 'callback-url': callbacks.callbackUrl(id, w.key), run: id, flow: snap.flow, 'opened-at': step?.['started-at'] ?? snap['updated-at']})
    }
    if (options.limit !== undefined && out.length >= options.limit) break
  }
  return out
}
