/**
 * `:http`: one request with Node's fetch. JSON in (`:json`) and out (parsed when the response
 * says JSON). 5xx and 429 are retryable failures; other 4xx are not. A connection supplies the
 * base URL and auth (bearer / basic / header), naming secrets, never holding them.
 */
import type * as z from 'zod'
import {fromJson} from '../edn/json.js'
import {emap} from '../edn/values.js'
import {StepConfig} from './config.js'
import {connectionAs, httpConnection} from './connection-types.js'
import {fields, type ConfigShape} from './schema.js'
import {done, StepError, type StepContext, type StepExecutor} from './types.js'

type HttpConnection = z.output<ReturnType<typeof httpConnection>>

/** The step's config; `:json` and `:body` are sent as written (JSON text, or a string body as is). */
const httpConfig = {
  connection: fields.text.optional(),
  url: fields.text.optional(),
  path: fields.text.optional(),
  query: fields.textMap.optional(),
  method: fields.text.optional(),
  headers: fields.textMap.optional(),
  json: fields.value.optional(),
  body: fields.value.optional(),
  'allow-failure': fields.boolean.optional(),
} satisfies ConfigShape
type HttpConfig = StepConfig<typeof httpConfig>

function applyAuth(headers: Headers, auth: HttpConnection['auth'], ctx: StepContext): void {
  if (!auth) return
  if (auth.bearer) headers.set('authorization', `Bearer ${ctx.secret(auth.bearer)}`)
  if (auth.basic?.password) {
    const user = auth.basic.user
    headers.set('authorization', `Basic ${Buffer.from(`${user}:${ctx.secret(auth.basic.password)}`).toString('base64')}`)
  }
  if (auth.header?.name && auth.header.value) headers.set(auth.header.name, ctx.secret(auth.header.value))
}

/** A URL the flow built; an unusable one is the flow's mistake, said with the URL itself. */
function parseUrl(text: string, from: string): URL {
  try {
    return new URL(text)
  } catch {
    throw new StepError(`:http step: invalid URL ${JSON.stringify(text)} (from ${from})`, {
      retryable: false,
      hint: 'A URL needs a scheme and host, e.g. "https://api.example.com/x"; one built with (str …) from a missing input starts with "" (nil). Check the values it is built from.',
      details: {url: text},
    })
  }
}

function targetUrl(c: HttpConfig, conn: HttpConnection | undefined): URL {
  const url = c.get('url')
  if (url !== undefined) return parseUrl(url, ':url')
  if (!conn) throw new StepError(':http step needs :url, or :connection and :path', {retryable: false})
  const base = conn['base-url'] ?? ''
  if (!base) throw new StepError(`connection "${conn.name}" has no :base-url`, {retryable: false})
  const path = c.get('path') ?? ''
  return parseUrl(base.replace(/\/+$/, '') + (path === '' || path.startsWith('/') ? path : '/' + path), `connection "${conn.name}" :base-url and :path`)
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  if (/\bjson\b/i.test(type) && text.trim() !== '') {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/** Method, headers and body of the request, from the step and its connection. */
function request(c: HttpConfig, conn: HttpConnection | undefined, ctx: StepContext): {method: string; headers: Headers; body: string | undefined} {
  const method = (c.get('method') ?? (c.has('json') || c.has('body') ? 'post' : 'get')).toUpperCase()
  const headers = new Headers()
  headers.set('idempotency-key', ctx.idempotencyKey)
  headers.set('breyta-attempt', String(ctx.attempt))
  applyAuth(headers, conn?.auth, ctx)
  for (const [k, v] of Object.entries(conn?.headers ?? {})) headers.set(k, v)
  for (const [k, v] of Object.entries(c.get('headers') ?? {})) headers.set(k, v)
  let body: string | undefined
  if (c.has('json')) {
    body = JSON.stringify(c.json('json'))
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  } else {
    const raw = c.get('body')
    if (raw !== undefined) body = typeof raw === 'string' ? raw : JSON.stringify(c.json('body'))
  }
  return {method, headers, body}
}

/** fetch says "fetch failed"; the reason (ECONNREFUSED, a DNS miss) is its cause. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  return err.cause instanceof Error ? err.cause.message : err.message
}

function statusError(method: string, url: URL, status: number, responseBody: unknown): StepError {
  const snippet = typeof responseBody === 'string' ? responseBody.slice(0, 500) : JSON.stringify(responseBody).slice(0, 500)
  const retryable = status >= 500 || status === 429
  return new StepError(`${method} ${url.origin}${url.pathname} returned ${status}`, {
    retryable,
    hint: retryable ? 'Add :retry to the step to ride out server errors.' : 'Check the request; set :allow-failure true to handle the status in the flow.',
    details: {status, body: snippet},
  })
}

export const httpStep: StepExecutor = {
  type: 'http',
  check(config) {
    const c = new StepConfig(config, 'http')
    return c.has('url') || c.has('connection') ? [] : ['needs :url, or :connection and :path']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'http', httpConfig)
    const connName = c.get('connection')
    const conn = connName === undefined ? undefined : connectionAs(httpConnection, ctx.connection(connName))
    const url = targetUrl(c, conn)
    for (const [k, v] of Object.entries(c.get('query') ?? {})) url.searchParams.set(k, v)
    const {method, headers, body} = request(c, conn, ctx)
    let res: Response
    try {
      res = await fetch(url, {method, headers, body, signal: ctx.signal})
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason
      throw new StepError(`${method} ${url.origin}${url.pathname} failed: ${reasonOf(err)}`, {hint: 'Is the server running and reachable?'})
    }
    const responseBody = await readBody(res)
    const responseHeaders: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v
    })
    const output = emap({status: res.status, headers: fromJson(responseHeaders), body: fromJson(responseBody)})
    if (res.status >= 400 && !c.get('allow-failure')) throw statusError(method, url, res.status, responseBody)
    return done(output)
  },
}
