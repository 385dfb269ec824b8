/**
 * `POST /webhooks/SLUG`: start a live run of a flow whose live version has a
 * `{:type :webhook :secret NAME}` trigger, with the JSON body as input. The caller proves it
 * knows secret NAME either as `Authorization: Bearer <secret>` or as
 * `X-Breyta-Signature: sha256=<hex HMAC-SHA256 of the raw body under the secret>`; both are
 * compared in constant time. No credentials: 401; wrong ones: 403; no such flow, no live
 * version or no webhook trigger: 404.
 */
import crypto from 'node:crypto'
import {webhookSignature} from './signature.js'
import {fromJson} from '../edn/json.js'
import {isBreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import {resolveReleased} from '../flow/releases.js'
import type {FlowDefinition} from '../flow/types.js'
import {createRun} from '../runtime/runs.js'
import {assertSlug} from '../store/fs/paths.js'
import {resolveSecret} from '../store/fs/secret-store.js'
import {parseJsonBody} from './callbacks.js'
import type {DaemonContext} from './context.js'
import {errorReply, type Reply, type Request} from './http-server.js'

export const SIGNATURE_HEADER = 'x-breyta-signature'

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

export {webhookSignature} from './signature.js'

type Auth = 'none' | 'ok' | 'bad'

export function checkWebhookAuth(req: Request, secret: string): Auth {
  const auth = req.headers.authorization
  const sig = req.headers[SIGNATURE_HEADER]
  const signature = Array.isArray(sig) ? sig[0] : sig
  if (!auth && !signature) return 'none'
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), secret)) return 'ok'
  if (signature?.startsWith('sha256=') && safeEqual(signature.slice(7).trim().toLowerCase(), webhookSignature(secret, req.body))) return 'ok'
  return 'bad'
}

const parsed = new Map<string, FlowDefinition>()

/** The live definition of `slug`, parsed once per released text. */
function liveFlow(ctx: DaemonContext, slug: string): FlowDefinition | undefined {
  let source
  try {
    source = resolveReleased(ctx.ws, assertSlug(slug))
  } catch {
    return undefined
  }
  const cached = parsed.get(source.sha256)
  if (cached) return cached
  const flow = parseFlow(source.text, {file: `releases/${slug}/v${source.version}.edn`})
  parsed.set(source.sha256, flow)
  return flow
}

const STATUS_BY_CODE: Record<string, number> = {
  flow_not_found: 404,
  no_live_version: 404,
  version_not_found: 404,
  run_not_active: 409,
  invalid_input: 400,
  invalid_flow: 422,
}

export async function handleWebhook(ctx: DaemonContext, req: Request, slug: string): Promise<Reply> {
  if (req.method !== 'POST') return errorReply(405, 'method_not_allowed', 'use POST')
  const flow = liveFlow(ctx, slug)
  const trigger = flow?.triggers.find((t) => t.type === 'webhook')
  if (!flow || !trigger || trigger.type !== 'webhook') return errorReply(404, 'flow_not_found', `no live flow "${slug}" with a webhook trigger`)
  if (!trigger.secret) return errorReply(403, 'forbidden', `the webhook trigger of "${slug}" names no :secret, so no caller can be verified`)
  const secret = await resolveSecret(ctx.ws.layout, trigger.secret, ctx.env)
  if (secret === undefined || secret === '') {
    ctx.log('warn', 'webhook secret is not set', {flow: slug, secret: trigger.secret})
    return errorReply(403, 'forbidden', `secret "${trigger.secret}" is not set in this workspace`)
  }
  const auth = checkWebhookAuth(req, secret)
  if (auth === 'none') return errorReply(401, 'unauthorized', 'send the secret as Authorization: Bearer … or sign the body: X-Breyta-Signature: sha256=<hex HMAC-SHA256>')
  if (auth === 'bad') return errorReply(403, 'forbidden', 'wrong bearer token or signature')
  const body = parseJsonBody(req.body)
  if (!body.ok) return errorReply(400, 'invalid_json', body.message)
  try {
    const view = await createRun(ctx.ws, {slug, input: fromJson(body.value), target: 'live', trigger: 'webhook', env: ctx.env})
    ctx.log('info', 'run started by webhook', {flow: slug, run: view.id})
    ctx.schedule(view.id)
    return {status: 202, body: {ok: true, run: view.id, flow: slug, version: view.version, status: view.status}}
  } catch (err) {
    if (!isBreytaError(err)) throw err
    return errorReply(STATUS_BY_CODE[err.code] ?? 500, err.code, err.message)
  }
}
