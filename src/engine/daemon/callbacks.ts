/**
 * `POST /callbacks/RUN/KEY?token=T`: a remote worker completes wait KEY with a JSON body.
 * The order of checks fixes the status: unknown run 404, wrong token 403 (constant-time HMAC
 * check, runtime/callback-url.ts), bad JSON 400, repeat 409; the 413 for an oversized body is
 * given by the HTTP layer before any of this. A callback may arrive before its wait opened (a
 * fast worker): it is kept in the inbox and used when the wait opens.
 */
import {MAX_NESTING, tooDeep} from '../edn/depth.js'
import {fromJson} from '../edn/json.js'
import {isBreytaError, toBreytaError} from '../errors.js'
import {verifyCallbackToken} from '../workspace/callback-url.js'
import {completeWait} from '../operations/waits.js'
import type {DaemonContext} from './context.js'
import {errorReply, type Reply, type Request} from './http-server.js'

/** The token from `?token=` or `Authorization: Bearer`. */
export function presentedToken(req: Request): string | undefined {
  const q = req.query.get('token')
  if (q) return q
  const auth = req.headers.authorization
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined
}

/** A JSON body as EDN; an empty body is an empty map. */
export function parseJsonBody(body: Buffer): {ok: true; value: unknown} | {ok: false; message: string} {
  const text = body.toString('utf8')
  if (text.trim() === '') return {ok: true, value: {}}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return {ok: false, message: `body is not valid JSON: ${(err as Error).message}`}
  }
  const deep = tooDeep(value)
  if (deep !== undefined) return {ok: false, message: `body nests deeper than ${MAX_NESTING} levels (at ${deep})`}
  return {ok: true, value}
}

const STATUS_BY_CODE: Record<string, number> = {
  wait_already_completed: 409,
  run_not_active: 409,
  wait_not_found: 404,
  run_not_found: 404,
  invalid_input: 400,
}

export async function handleCallback(ctx: DaemonContext, req: Request, runId: string, key: string): Promise<Reply> {
  if (req.method !== 'POST') return errorReply(405, 'method_not_allowed', 'use POST')
  if (!(await ctx.ws.store.runs.exists(runId))) return await rejected(ctx, runId, key, errorReply(404, 'run_not_found', `no run "${runId}"`), false)
  const token = presentedToken(req)
  if (!token || !verifyCallbackToken(await ctx.ws.key(), runId, key, token))
    return await rejected(ctx, runId, key, errorReply(403, 'forbidden', 'wrong or missing token for this run and key'))
  const parsed = parseJsonBody(req.body)
  if (!parsed.ok) return await rejected(ctx, runId, key, errorReply(400, 'invalid_json', parsed.message))
  try {
    await complete(ctx, runId, key, parsed.value)
  } catch (err) {
    if (!isBreytaError(err)) throw err
    const status = STATUS_BY_CODE[err.code] ?? 500
    return await rejected(ctx, runId, key, errorReply(status, err.code, err.message))
  }
  ctx.log('info', 'wait completed by callback', {run: runId, key})
  return {status: 202, body: {ok: true, run: runId, key, status: 'accepted'}}
}

/**
 * A parked run is completed by a worker's advance that journals the completion (one flush before
 * the 202, the advance's own); otherwise the completion goes to the inbox, for the advance
 * scheduled after it (two flushes, then the advance's).
 */
async function complete(ctx: DaemonContext, runId: string, key: string, body: unknown): Promise<void> {
  const outcome = await ctx.completeInWorker?.(runId, {key, payload: body, source: 'callback'})
  if (outcome === 'accepted') return
  if (typeof outcome === 'object') throw toBreytaError(outcome.error)
  await completeWait(ctx.ws, runId, key, {payload: fromJson(body), source: 'callback', allowEarly: true})
  ctx.schedule(runId)
}

/**
 * A rejected callback is logged (status, code, run, key: never the body or the token) and, for
 * a run that exists, journaled as `callback_rejected`, so a broken worker shows in `runs logs`
 * long before its wait times out. The journal append needs the run's lock; when another process
 * keeps it for over 2 s (the run is executing a step), only the log line is written.
 */
async function rejected(ctx: DaemonContext, runId: string, key: string, reply: Reply, journal = true): Promise<Reply> {
  const code = (reply.body as {error?: {code?: string}}).error?.code ?? String(reply.status)
  // A JSON parser's message quotes the body; the journal and the log never do.
  const message = code === 'invalid_json' ? 'body is not valid JSON' : ((reply.body as {error?: {message?: string}}).error?.message ?? '')
  let journaled = false
  if (journal) {
    const lease = await ctx.ws.store.leases.acquire(runId, {timeoutMs: 2000, purpose: 'callback_rejected'})
    if (lease) {
      try {
        await ctx.ws.store.journals.appendAfter(runId, await ctx.ws.store.journals.read(runId), {
          type: 'callback_rejected',
          at: new Date().toISOString(),
          key,
          status: reply.status,
          code,
          message,
        })
        journaled = true
      } finally {
        await lease.release()
      }
      await ctx.ws.store.signals.signal(runId)
    }
  }
  ctx.log('warn', 'callback rejected', {status: reply.status, code, run: runId, key, journaled})
  return reply
}
