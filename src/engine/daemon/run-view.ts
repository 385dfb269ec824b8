/**
 * `GET /runs/RUN?token=T`: the run as `runs show --json` gives it, minus every write token. T is the run's read token
 * (an HMAC of the run id under the workspace key; `runs show` prints the whole `status-url`),
 * also accepted as `Authorization: Bearer T`. No token 401, wrong token 403, unknown run 404.
 */
import {verifyRunReadToken} from '../runtime/callback-url.js'
import {runHealth} from '../runtime/health.js'
import {readRunView, runExists} from '../store/fs/run-store.js'
import {presentedToken} from './callbacks.js'
import type {DaemonContext} from './context.js'
import {errorReply, type Reply, type Request} from './http-server.js'

export async function handleRunView(ctx: DaemonContext, req: Request, runId: string): Promise<Reply> {
  if (req.method !== 'GET') return errorReply(405, 'method_not_allowed', 'use GET')
  if (!runExists(ctx.ws.layout, runId)) return errorReply(404, 'run_not_found', `no run "${runId}"`)
  const token = presentedToken(req)
  if (!token) return errorReply(401, 'unauthorized', 'token required: use the status-url from `breyta runs show RUN --json`')
  if (!verifyRunReadToken(ctx.ws.key, runId, token)) return errorReply(403, 'forbidden', 'wrong token for this run')
  const view = readRunView(ctx.ws.layout, runId)
  // A read token must never lead to a write: callback URLs go out without their tokens, also
  // where flow code put one into a step's input or output.
  const waits = view.waits.map((w) => ({...w, 'callback-url': w.status === 'open' ? withoutToken(ctx.ws.callbackUrl(view.id, w.key)) : null}))
  return {status: 200, body: {ok: true, data: stripTokens({...view, waits, ...runHealth(ctx.ws, view, {daemonRunning: true})})}}
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
