/**
 * `POST /webhooks/SLUG`: start a live run of a flow whose live version has a
 * `{:type :webhook :secret NAME}` trigger, with the JSON body as input. The caller proves it
 * knows secret NAME as `Authorization: Bearer <secret>`, or signs: `X-Breyta-Signature:
 * sha256=<hex HMAC of "TIMESTAMP.BODY">` with `X-Breyta-Timestamp: TIMESTAMP` (unix seconds,
 * 5 minutes' skew), or GitHub's `X-Hub-Signature-256` (HMAC of the raw body) with its
 * `X-GitHub-Delivery`. All compared in constant time. No credentials: 401; wrong or stale: 403;
 * no such flow, no live version or no webhook trigger: 404. A replay (same delivery id within
 * 24 h, or a signature already accepted) answers 200 with the first run's id (replays.ts).
 */
import crypto from 'node:crypto'
import {githubSignature, SIGNATURE_SKEW_S, webhookSignature} from './signature.js'
import {fromJson} from '../edn/json.js'
import {isBreytaError} from '../errors.js'
import {parseFlowOnce} from '../flow/parse-cache.js'
import {resolveReleased} from '../flow/releases.js'
import type {FlowDefinition} from '../flow/types.js'
import type {RunView} from '../journal/projection.js'
import {createRun} from '../runtime/runs.js'
import {assertSlug} from '../store/names.js'
import {secretEnvName} from '../shared/secret-names.js'
import type {Workspace} from '../workspace/workspace.js'
import {parseJsonBody} from './callbacks.js'
import type {DaemonContext} from './context.js'
import {errorReply, type Reply, type Request} from './http-server.js'
import {DELIVERY_TTL_MS, ReplayGuard, type ReplayKey} from './replays.js'

export const SIGNATURE_HEADER = 'x-breyta-signature'
export const TIMESTAMP_HEADER = 'x-breyta-timestamp'
export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256'
const DELIVERY_HEADERS = ['x-breyta-delivery', 'x-github-delivery']

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

export {githubSignature, webhookSignature} from './signature.js'

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export type Auth = {kind: 'none'} | {kind: 'bad'; message: string} | {kind: 'ok'; replay: ReplayKey[]}

export function checkWebhookAuth(req: Request, secret: string, nowMs = Date.now()): Auth {
  const auth = req.headers.authorization
  const signature = header(req, SIGNATURE_HEADER)
  const github = header(req, GITHUB_SIGNATURE_HEADER)
  if (!auth && !signature && !github) return {kind: 'none'}
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), secret)) return {kind: 'ok', replay: []}
  if (signature?.startsWith('sha256=')) return checkBreytaSignature(req, secret, signature, nowMs)
  if (github?.startsWith('sha256=')) return checkGithubSignature(req, secret, github)
  return {kind: 'bad', message: 'wrong bearer token or signature'}
}

/** `X-Breyta-Signature: sha256=…` over "TIMESTAMP.BODY", with X-Breyta-Timestamp within the skew. */
function checkBreytaSignature(req: Request, secret: string, signature: string, nowMs: number): Auth {
  const ts = header(req, TIMESTAMP_HEADER)
  if (ts === undefined || !/^\d{1,12}$/.test(ts))
    return {kind: 'bad', message: `a signed webhook needs X-Breyta-Timestamp (unix seconds) and a signature over "TIMESTAMP.BODY"`}
  const sig = signature.slice(7).trim().toLowerCase()
  if (!safeEqual(sig, webhookSignature(secret, ts, req.body))) return {kind: 'bad', message: 'wrong signature'}
  if (Math.abs(nowMs / 1000 - Number(ts)) > SIGNATURE_SKEW_S)
    return {kind: 'bad', message: `X-Breyta-Timestamp is more than ${SIGNATURE_SKEW_S} s from the daemon's clock`}
  // Remembered a little longer than its timestamp can pass the skew check.
  return {kind: 'ok', replay: [{key: `sig:${sig}`, ttlMs: 2 * SIGNATURE_SKEW_S * 1000 + 60_000}]}
}

/** GitHub's `X-Hub-Signature-256: sha256=…` over the raw body, with its X-GitHub-Delivery. */
function checkGithubSignature(req: Request, secret: string, github: string): Auth {
  if (header(req, 'x-github-delivery') === undefined) return {kind: 'bad', message: 'X-Hub-Signature-256 comes with X-GitHub-Delivery'}
  const sig = github.slice(7).trim().toLowerCase()
  if (!safeEqual(sig, githubSignature(secret, req.body))) return {kind: 'bad', message: 'wrong signature'}
  // No timestamp is signed, so the signature itself is what a replay repeats.
  return {kind: 'ok', replay: [{key: `gh:${sig}`, ttlMs: DELIVERY_TTL_MS}]}
}

function deliveryKeys(req: Request, slug: string): ReplayKey[] {
  const out: ReplayKey[] = []
  for (const name of DELIVERY_HEADERS) {
    const id = header(req, name)
    if (id !== undefined && id !== '') out.push({key: `delivery:${slug}:${id.slice(0, 200)}`, ttlMs: DELIVERY_TTL_MS})
  }
  return out
}

const guards = new WeakMap<Workspace, ReplayGuard>()
function guardFor(ws: Workspace): ReplayGuard {
  let g = guards.get(ws)
  if (!g) guards.set(ws, (g = new ReplayGuard(ws)))
  return g
}

/** The live definition of `slug`, parsed once per released text. */
async function liveFlow(ctx: DaemonContext, slug: string): Promise<FlowDefinition | undefined> {
  let source
  try {
    source = await resolveReleased(ctx.ws, assertSlug(slug))
  } catch {
    return undefined
  }
  return parseFlowOnce(source.text, source.sha256, {file: `releases/${slug}/v${source.version}.edn`})
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
  const trigger = await triggerOf(ctx, slug)
  if ('status' in trigger) return trigger
  const auth = checkWebhookAuth(req, trigger.secret)
  if (auth.kind === 'none')
    return errorReply(
      401,
      'unauthorized',
      'send the secret as Authorization: Bearer …, or sign: X-Breyta-Signature: sha256=<hex HMAC-SHA256 of "TIMESTAMP.BODY"> with X-Breyta-Timestamp',
    )
  if (auth.kind === 'bad') return errorReply(403, 'forbidden', auth.message)
  const body = parseJsonBody(req.body)
  if (!body.ok) return errorReply(400, 'invalid_json', body.message)
  return startOnce(ctx, req, trigger.flow, auth.replay, body.value)
}

/** The live flow and the secret its webhook trigger names, or the reply refusing the request. */
async function triggerOf(ctx: DaemonContext, slug: string): Promise<{flow: FlowDefinition; secret: string} | Reply> {
  const flow = await liveFlow(ctx, slug)
  const trigger = flow?.triggers.find((t) => t.type === 'webhook')
  if (!flow || !trigger || trigger.type !== 'webhook') return errorReply(404, 'flow_not_found', `no live flow "${slug}" with a webhook trigger`)
  if (!trigger.secret) return errorReply(403, 'forbidden', `the webhook trigger of "${slug}" names no :secret, so no caller can be verified`)
  const secret = ctx.env[secretEnvName(trigger.secret)] ?? (await ctx.ws.local.readSecrets())[trigger.secret]
  if (secret === undefined || secret === '') {
    ctx.log('warn', 'webhook secret is not set', {flow: slug, secret: trigger.secret})
    return errorReply(403, 'forbidden', `secret "${trigger.secret}" is not set in this workspace`)
  }
  return {flow, secret}
}

/** Start the run unless this delivery (or signature) was seen: a replay answers with the first run. */
async function startOnce(ctx: DaemonContext, req: Request, flow: FlowDefinition, replay: ReplayKey[], input: unknown): Promise<Reply> {
  const slug = flow.slug
  let failure: Reply | undefined
  let view: RunView | undefined
  let advancing = false
  const {run, repeat} = await guardFor(ctx.ws).once([...replay, ...deliveryKeys(req, slug)], async (runId) => {
    try {
      const id = runId ?? ctx.ws.store.runs.newRunId()
      // Without a concurrency policy nothing is decided against other runs here (queues,
      // cancellations need the daemon's signals): a worker makes the run and advances it.
      if (flow.concurrency.type === 'unlimited') view = await ctx.startInWorker?.(id, {slug, input, target: 'live', trigger: 'webhook'})
      advancing = view !== undefined
      view ??= await createRun(ctx.ws, {slug, input: fromJson(input), target: 'live', trigger: 'webhook', env: ctx.env, id})
      return view.id
    } catch (err) {
      if (!isBreytaError(err)) throw err
      failure = errorReply(STATUS_BY_CODE[err.code] ?? 500, err.code, err.message)
      return undefined
    }
  })
  if (repeat) {
    if (run === undefined) return errorReply(409, 'conflict', 'the same delivery is being handled, and failed; send it again')
    ctx.log('info', 'webhook replay ignored', {flow: slug, run})
    return {status: 200, body: {ok: true, run, flow: slug, repeat: true}}
  }
  if (failure || !view) return failure ?? errorReply(500, 'internal', 'no run was started')
  ctx.log('info', 'run started by webhook', {flow: slug, run: view.id})
  if (!advancing) ctx.schedule(view.id)
  return {status: 202, body: {ok: true, run: view.id, flow: slug, version: view.version, status: view.status}}
}
