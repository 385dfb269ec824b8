/**
 * `GET /runs/RUN?token=T`: the run as `runs show --json` gives it. T is the run's read token
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
  const waits = view.waits.map((w) => ({...w, 'callback-url': w.status === 'open' ? ctx.ws.callbackUrl(view.id, w.key) : null}))
  return {status: 200, body: {ok: true, data: {...view, waits, ...runHealth(ctx.ws, view, {daemonRunning: true})}}}
}
