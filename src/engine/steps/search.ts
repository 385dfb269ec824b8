/**
 * `:search` — web search through a search connection, normalised to
 * `{:results [{:title :url :snippet}]}` whatever the provider.
 *
 * Providers (connection `:provider`):
 *   - `:searxng` (default): GET {base-url}/search?q=…&format=json → results[].{title,url,content}.
 *     The instance must have the json format enabled (settings.yml `search.formats`).
 *   - `:brave`: GET {base-url}/res/v1/web/search?q=…&count=N with `X-Subscription-Token` from
 *     the secret named by `:auth {:api-key :brave-key}` (base-url default
 *     https://api.search.brave.com) → web.results[].{title,url,description}.
 */
import * as z from 'zod'
import {emap, type EdnMap} from '../edn/values.js'
import {lazyValue} from '../lazy.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {connectionAs, searchConnection} from './connection-types.js'
import {bodyAs, excerpt, failForStatus, joinUrl, providerFetch} from './provider-fetch.js'
import {done, StepError, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

type SearchConnection = z.output<ReturnType<typeof searchConnection>>

interface Hit {
  title: string
  url: string
  snippet: string
}

const DEFAULT_LIMIT = 10

const searchConfig = {
  connection: fields.text,
  query: fields.text,
  limit: fields.number.optional(),
} satisfies ConfigShape

/** A non-empty string, else empty. */
const text = () => z.string().min(1).catch('')

/** Results as the provider lists them: only those with a URL count; the snippet is under `snippetKey`. */
function hits(snippetKey: 'content' | 'description') {
  const hit = z
    .object({url: z.string(), title: text(), [snippetKey]: text()})
    .transform((r): Hit => ({title: r.title ?? '', url: r.url ?? '', snippet: r[snippetKey] ?? ''}))
  return z
    .array(hit.nullable().catch(null))
    .catch([])
    .optional()
    .transform((rs) => (rs ?? []).filter((r) => r !== null))
}

/** SearXNG with format=json; any JSON answer without results is no results. Built on first use. */
const searxngReply = lazyValue(() => z.object({results: hits('content')}).catch({results: []}))
const braveReply = lazyValue(() =>
  z
    .object({
      web: z
        .object({results: hits('description')})
        .optional()
        .catch(undefined),
    })
    .catch({web: undefined}),
)

async function searxng(conn: SearchConnection, query: string, limit: number, ctx: StepContext): Promise<Hit[]> {
  const base = conn['base-url']
  if (base === undefined) throw new StepError(`:search step: connection ${conn.name} has no :base-url`, {retryable: false})
  const url = new URL(joinUrl(base, 'search'))
  url.searchParams.set('q', query)
  url.searchParams.set('format', 'json')
  const res = await providerFetch({label: 'search', url: url.toString(), signal: ctx.signal})
  if (res.status < 200 || res.status >= 300) failForStatus('search', res)
  if (res.body === undefined) throw new StepError(`search: SearXNG did not answer JSON (is format=json enabled?): ${excerpt(res.text)}`, {retryable: false})
  return (bodyAs(res, searxngReply())?.results ?? []).slice(0, limit)
}

async function brave(conn: SearchConnection, query: string, limit: number, ctx: StepContext): Promise<Hit[]> {
  const secretName = conn.auth?.['api-key'] ?? conn.auth?.token
  if (secretName === undefined) throw new StepError(`:search step: brave connection ${conn.name} needs :auth {:api-key :secret-name}`, {retryable: false})
  const url = new URL(joinUrl(conn['base-url'] ?? 'https://api.search.brave.com', 'res/v1/web/search'))
  url.searchParams.set('q', query)
  // Brave caps count at 20.
  url.searchParams.set('count', String(Math.min(limit, 20)))
  const res = await providerFetch({label: 'search', url: url.toString(), headers: {'X-Subscription-Token': ctx.secret(secretName)}, signal: ctx.signal})
  if (res.status < 200 || res.status >= 300) failForStatus('search', res)
  return (bodyAs(res, braveReply())?.web?.results ?? []).slice(0, limit)
}

const PROVIDERS: Record<string, (conn: SearchConnection, query: string, limit: number, ctx: StepContext) => Promise<Hit[]>> = {searxng, brave}

export const searchStep: StepExecutor = {
  type: 'search',

  check(config: EdnMap): string[] {
    const cfg = new StepConfig(config, 'search')
    const problems: string[] = []
    if (!cfg.has('connection')) problems.push('missing :connection')
    if (!cfg.has('query')) problems.push('missing :query')
    return problems
  },

  async run(config: EdnMap, ctx: StepContext): Promise<StepOutcome> {
    const cfg = new StepConfig(config, 'search', searchConfig)
    const conn = connectionAs(searchConnection, ctx.connection(cfg.get('connection')))
    const query = cfg.get('query')
    const limit = cfg.get('limit') ?? DEFAULT_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new StepError(':search step: :limit must be a positive integer', {retryable: false})
    const provider = conn.provider ?? 'searxng'
    const impl = PROVIDERS[provider]
    if (impl === undefined)
      throw new StepError(`:search step: connection ${conn.name} has unknown :provider ${provider}`, {
        retryable: false,
        hint: 'Use :provider :searxng or :brave.',
      })
    const results = await impl(conn, query, limit, ctx)
    ctx.log(`search ${provider}: ${results.length} result${results.length === 1 ? '' : 's'} for "${query}"`)
    return done(emap({results: results.map((r) => emap({title: r.title, url: r.url, snippet: r.snippet}))}))
  },
}
