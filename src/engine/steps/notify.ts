/**
 * `:notify` — tell someone something. Channels:
 *   - `:http`: JSON POST to `:url`, or to the connection's base-url + `:path` (connection auth
 *     `{:bearer :secret}` becomes `Authorization: Bearer …`). The body is `:message` itself
 *     when it is a map or vector, else `{"message": "…"}`. Output `{:delivered true :status N}`.
 *   - `:slack`: incoming-webhook POST `{"text": "…"}` to the URL held in the secret named by
 *     the connection's `:webhook-secret` (or the step's own `:webhook-secret`).
 *     Output `{:delivered true :status N}`.
 *   - `:stdout`: the message goes to the run's log (`runs logs`). Output `{:delivered true :message "…"}`.
 * The message is `:message`, or `:template` + `:data` rendered through the flow's templates.
 * A non-2xx answer fails the step.
 */
import {toJson} from '../edn/json.js'
import {emap, isMap, isVector, type EdnMap} from '../edn/values.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {connectionAs, httpConnection, slackConnection} from './connection-types.js'
import {failForStatus, joinUrl, providerFetch} from './provider-fetch.js'
import {done, StepError, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

const CHANNELS = ['http', 'slack', 'stdout']

/** The step's config; `:message` is text, or a map or vector sent as JSON. */
const notifyConfig = {
  channel: fields.text.optional(),
  message: fields.text,
  template: fields.text,
  data: fields.value.optional(),
  url: fields.text.optional(),
  connection: fields.text.optional(),
  path: fields.text.optional(),
  headers: fields.textMap.optional(),
  'webhook-secret': fields.text.optional(),
} satisfies ConfigShape
type NotifyConfig = StepConfig<typeof notifyConfig>

function fail(message: string, hint?: string): never {
  throw new StepError(`:notify step: ${message}`, {retryable: false, hint})
}

/** The message as text (templates rendered; maps and vectors as JSON text). */
function messageText(cfg: NotifyConfig, ctx: StepContext): string {
  if (cfg.has('template')) return ctx.renderTemplate(cfg.get('template'), cfg.get('data') ?? emap({}))
  const m = cfg.value('message')
  if (m === undefined) fail('needs :message or :template', 'Add :message "…" to the step config.')
  if (isMap(m) || isVector(m)) return JSON.stringify(toJson(m))
  return cfg.get('message')
}

async function postJson(label: string, url: string, body: unknown, headers: Record<string, string>, ctx: StepContext): Promise<number> {
  const res = await providerFetch({label, url, json: body, headers, signal: ctx.signal})
  if (res.status < 200 || res.status >= 300) failForStatus(label, res)
  return res.status
}

async function viaHttp(cfg: NotifyConfig, ctx: StepContext): Promise<StepOutcome> {
  const headers: Record<string, string> = {'Idempotency-Key': ctx.idempotencyKey, 'Breyta-Attempt': String(ctx.attempt), ...cfg.get('headers')}
  let url = cfg.get('url')
  if (url === undefined) {
    const name = cfg.get('connection')
    if (name === undefined) fail(':channel :http needs :url or :connection (+ :path)')
    const conn = connectionAs(httpConnection, ctx.connection(name))
    const base = conn['base-url']
    if (base === undefined || base === '') fail(`connection ${name} has no :base-url`)
    url = joinUrl(base, cfg.get('path') ?? '')
    const bearer = conn.auth?.bearer
    if (bearer !== undefined) headers.authorization = `Bearer ${ctx.secret(bearer)}`
  }
  const raw = cfg.value('message')
  const body = !cfg.has('template') && (isMap(raw) || isVector(raw)) ? toJson(raw) : {message: messageText(cfg, ctx)}
  const status = await postJson('notify http', url, body, headers, ctx)
  return done(emap({delivered: true, channel: 'http', status}))
}

async function viaSlack(cfg: NotifyConfig, ctx: StepContext): Promise<StepOutcome> {
  const name = cfg.get('connection')
  const secretName = cfg.get('webhook-secret') ?? (name === undefined ? undefined : connectionAs(slackConnection, ctx.connection(name))['webhook-secret'])
  if (secretName === undefined)
    fail(':channel :slack needs a :connection with :webhook-secret', 'e.g. connections.edn {:team {:type :slack :webhook-secret :slack-hook}}')
  const status = await postJson('notify slack', ctx.secret(secretName), {text: messageText(cfg, ctx)}, {}, ctx)
  return done(emap({delivered: true, channel: 'slack', status}))
}

export const notifyStep: StepExecutor = {
  type: 'notify',

  check(config: EdnMap): string[] {
    const cfg = new StepConfig(config, 'notify')
    const problems: string[] = []
    const channel = cfg.has('channel') ? cfg.keyword('channel') : undefined
    if (channel === undefined) problems.push('missing :channel (:http, :slack or :stdout)')
    else if (!CHANNELS.includes(channel)) problems.push(`unknown :channel :${channel} (use :http, :slack or :stdout)`)
    if (!cfg.has('message') && !cfg.has('template')) problems.push('needs :message or :template')
    if (channel === 'http' && !cfg.has('url') && !cfg.has('connection')) problems.push(':channel :http needs :url or :connection')
    if (channel === 'slack' && !cfg.has('connection') && !cfg.has('webhook-secret')) problems.push(':channel :slack needs :connection')
    return problems
  },

  async run(config: EdnMap, ctx: StepContext): Promise<StepOutcome> {
    const cfg = new StepConfig(config, 'notify', notifyConfig)
    const channel = cfg.get('channel')
    switch (channel) {
      case 'http':
        return viaHttp(cfg, ctx)
      case 'slack':
        return viaSlack(cfg, ctx)
      case 'stdout': {
        const message = messageText(cfg, ctx)
        ctx.log(message)
        return done(emap({delivered: true, channel: 'stdout', message}))
      }
      default:
        return fail(channel === undefined ? 'missing :channel' : `unknown :channel :${channel}`, 'Use :channel :http, :slack or :stdout.')
    }
  },
}
