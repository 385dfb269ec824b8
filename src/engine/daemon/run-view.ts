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
import {errorReply, type Reply, type Request} from './http-server.js'

export async function handleRunView(ctx: DaemonContext, req: Request, runId: string): Promise<Reply> {
  if (req.method !== 'GET') return errorReply(405, 'method_not_allowed', 'use GET')
  if (!(await ctx.ws.store.runs.exists(runId))) return errorReply(404, 'run_not_found', `no run "${runId}"`)
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
  return {status: 200, body: {ok: true, data: stripTokens({...view, waits, ...(await runHealth(ctx.ws, view, {daemonRunning: true}))})}}
}

/** Longest long poll: below the HTTP server's 30 s limit for a connection sending nothing. */
export const MAX_WAIT_MS = 25_000

const settled = (view: RunView, after: number) => view.seq > after && view.status !== 'running' && view.status !== 'queued'

/** The run once it has ended or parked past journal seq `after`, or as it is at `deadline`. */
async function settledView(ctx: DaemonContext, runId: string, after: number, deadline: number): Promise<RunView> {
  for (;;) {
    // Listen before reading, so a change between the read and the wait is not missed.
    const next = ctx.runChanges.wait(runId, Math.max(0, deadline - Date.now()))
    const view = await ctx.ws.store.runs.readView(runId)
    if (settled(view, after) || Date.now() >= deadline) {
      next.cancel()
      return view
    }
    // An advance that ended or parked the run says how; any other notice means read again.
    const advanced = await next.changed
    if (advanced && settled(advanced, after)) return advanced
  }
}

const TOKEN_PARAM = /([?&]token=)[A-Za-z0-9_-]+/g

function withoutToken(url: string): string {
  return url.replace(/[?&]token=[^&#]*/, '')
}

function stripTokens(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('token=') ? value.replace(TOKEN_PARAM, '$1REDACTED') : value
  if (Array.isArray(value)) return value.map(stripTokens)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripTokens(v)]))
  return value
}
