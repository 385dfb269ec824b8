/**
 * `:http`: one request with Node's fetch. JSON in (`:json`) and out (parsed when the response
 * says JSON). 5xx and 429 are retryable failures; other 4xx are not. A connection supplies the
 * base URL and auth (bearer / basic / header), naming secrets, never holding them.
 */
import type {z} from 'zod'
import {fromJson} from '../edn/json.js'
import {emap} from '../edn/values.js'
import {StepConfig} from './config.js'
import {connectionAs, httpConnection} from './connection-types.js'
import {done, StepError, type StepContext, type StepExecutor} from './types.js'

type HttpConnection = z.output<typeof httpConnection>

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

function targetUrl(c: StepConfig, conn: HttpConnection | undefined): URL {
  const url = c.string('url')
  if (url !== undefined) return parseUrl(url, ':url')
  if (!conn) throw new StepError(':http step needs :url, or :connection and :path', {retryable: false})
  const base = conn['base-url'] ?? ''
  if (!base) throw new StepError(`connection "${conn.name}" has no :base-url`, {retryable: false})
  const path = c.string('path') ?? ''
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

export const httpStep: StepExecutor = {
  type: 'http',
  check(config) {
    const c = new StepConfig(config, 'http')
    return c.has('url') || c.has('connection') ? [] : ['needs :url, or :connection and :path']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'http')
    const connName = c.string('connection')
    const conn = connName === undefined ? undefined : connectionAs(httpConnection, ctx.connection(connName))
    const url = targetUrl(c, conn)
    for (const [k, v] of Object.entries(c.stringMap('query') ?? {})) url.searchParams.set(k, v)
    const method = (c.keyword('method') ?? (c.has('json') || c.has('body') ? 'post' : 'get')).toUpperCase()
    const headers = new Headers()
    headers.set('idempotency-key', ctx.idempotencyKey)
    headers.set('breyta-attempt', String(ctx.attempt))
    applyAuth(headers, conn?.auth, ctx)
    for (const [k, v] of Object.entries(conn?.headers ?? {})) headers.set(k, v)
    for (const [k, v] of Object.entries(c.stringMap('headers') ?? {})) headers.set(k, v)
    let body: string | undefined
    if (c.has('json')) {
      body = JSON.stringify(c.json('json'))
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    } else if (c.has('body')) {
      const raw = c.value('body')
      body = typeof raw === 'string' ? raw : JSON.stringify(c.json('body'))
    }
    let res: Response
    try {
      res = await fetch(url, {method, headers, body, signal: ctx.signal})
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason
      throw new StepError(`${method} ${url.origin}${url.pathname} failed: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, {hint: 'Is the server running and reachable?'})
    }
    const responseBody = await readBody(res)
    const responseHeaders: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v
    })
    const output = emap({status: res.status, headers: fromJson(responseHeaders), body: fromJson(responseBody)})
    if (res.status >= 400 && !c.boolean('allow-failure')) {
      const snippet = typeof responseBody === 'string' ? responseBody.slice(0, 500) : JSON.stringify(responseBody).slice(0, 500)
      throw new StepError(`${method} ${url.origin}${url.pathname} returned ${res.status}`, {
        retryable: res.status >= 500 || res.status === 429,
        hint: res.status >= 500 || res.status === 429 ? 'Add :retry to the step to ride out server errors.' : 'Check the request; set :allow-failure true to handle the status in the flow.',
        details: {status: res.status, body: snippet},
      })
    }
    return done(output)
  },
}
