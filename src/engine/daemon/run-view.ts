/**
 * `GET /runs/RUN?token=T`: the run as `runs show --json` gives it, minus every write token. T is the run's read token
 * (an HMAC of the run id under the workspace key; `runs show` prints the whole `status-url`),
 * also accepted as `Authorization: Bearer T`. No token 401, wrong token 403, unknown run 404.
 *
 * `?wait=DURATION` (long poll, e.g. `wait=30s`): answers as soon as the run has ended or parked
 * (waiting, sleeping), else at the latest after DURATION, capped at MAX_WAIT_MS (under the 30 s
 * a quiet connection is kept), with the run as it then is. With `&after=SEQ` it also waits
 * for the journal to move past SEQ (a client that saw the run parked at SEQ waits for what
 * comes next). A bad duration or SEQ is 400.
 */
import {parseDuration} from '../flow/duration.js'
import type {RunView} from '../journal/projection.js'
import {verifyRunReadToken} from '../workspace/callback-url.js'
import {runHealth} from '../operations/health.js'
import {presentedToken} from './callbacks.js'
import type {DaemonContext} from './context.js'
import {errorReply, JsonText, type Reply, type Request} from './http-server.js'

export async function handleRunView(ctx: DaemonContext, req: Request, runId: string): Promise<Reply> {
  if (req.method !== 'GET') return errorReply(405, 'method_not_allowed', 'use GET')
  if (!ctx.advancing(runId) && !(await ctx.ws.store.runs.exists(runId))) return errorReply(404, 'run_not_found', `no run "${runId}"`)
  const token = presentedToken(req)
  if (!token) return errorReply(401, 'unauthorized', 'token required: use the status-url from `breyta runs show RUN --json`')
  if (!verifyRunReadToken(await ctx.ws.key(), runId, token)) return errorReply(403, 'forbidden', 'wrong token for this run')
  let waitMs = 0
  const wait = req.query.get('wait')
  if (wait !== null) {
    try {
      waitMs = Math.min(parseDuration(wait), MAX_WAIT_MS)
    } catch (err) {
      return errorReply(400, 'invalid_input', `wait: ${(err as Error).message}`)
    }
  }
  const afterText = req.query.get('after')
  const after = afterText === null ? -1 : Number(afterText)
  if (!Number.isSafeInteger(after) || after < -1) return errorReply(400, 'invalid_input', `after: "${afterText}" is not a journal sequence number`)
  const view = waitMs > 0 ? await settledView(ctx, runId, after, Date.now() + waitMs) : await ctx.ws.store.runs.readView(runId)
  // A read token must never lead to a write: callback URLs go out without their tokens, also
  // where flow code put one into a step's input or output.
  const callbacks = await ctx.ws.callbacks()
  const waits = view.waits.map((w) => ({...w, 'callback-url': w.status === 'open' ? withoutToken(callbacks.callbackUrl(view.id, w.key)) : null}))
  const text = JSON.stringify({ok: true, data: {...view, waits, ...(await runHealth(ctx.ws, view, {daemonRunning: true}))}})
  return {status: 200, body: new JsonText(stripTokens(text))}
}

/** Longest long poll: below the HTTP server's 30 s limit for a connection sending nothing. */
export const MAX_WAIT_MS = 25_000

const settled = (view: RunView, after: number) => view.seq > after && view.status !== 'running' && view.status !== 'queued'

/**
 * The run once it has ended or parked past journal seq `after`, or as it is at `deadline`. A run
 * this daemon is advancing is running: its journal is not read until the advance has ended
 * (its end notifies, with the view it left), however many change notices its appends raise
 * meanwhile. Under workload C the daemon's thread had read each run's journal on every notice.
 */
async function settledView(ctx: DaemonContext, runId: string, after: number, deadline: number): Promise<RunView> {
  for (;;) {
    // Listen before looking, so a change between the look and the wait is not missed.
    const next = ctx.runChanges.wait(runId, Math.max(0, deadline - Date.now()))
    if (!ctx.advancing(runId) || Date.now() >= deadline) {
      const view = await ctx.ws.store.runs.readView(runId)
      if (settled(view, after) || Date.now() >= deadline) {
        next.cancel()
        return view
      }
    }
    // An advance that ended or parked the run says how; any other notice means look again.
    const advanced = await next.changed
    if (advanced && settled(advanced, after)) return advanced
  }
}

const TOKEN_PARAM = /([?&]token=)[A-Za-z0-9_-]+/g

function withoutToken(url: string): string {
  return url.replace(/[?&]token=[^&#]*/, '')
}

/**
 * Every `?token=…`/`&token=…` in the serialized document: JSON escapes none of `?&=` nor a
 * token's characters, so a string holds one exactly when its text does. One pass over one string
 * instead of a copy of the whole view (~19 µs of the daemon's thread per answer under load).
 */
function stripTokens(json: string): string {
  return json.includes('token=') ? json.replace(TOKEN_PARAM, '$1REDACTED') : json
}
