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
import {emap, type EdnMap} from '../edn/values.js'
import {StepConfig} from './config.js'
import {excerpt, failForStatus, joinUrl, providerFetch} from './provider-fetch.js'
import {done, StepError, type Connection, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

interface Hit {
  title: string
  url: string
  snippet: string
}

const DEFAULT_LIMIT = 10

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function hits(items: unknown, snippetKey: string): Hit[] {
  if (!Array.isArray(items)) return []
  return items
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && typeof (r as {url?: unknown}).url === 'string')
    .map((r) => ({title: str(r.title) ?? '', url: r.url as string, snippet: str(r[snippetKey]) ?? ''}))
}

async function searxng(conn: Connection, query: string, limit: number, ctx: StepContext): Promise<Hit[]> {
  const base = str(conn['base-url'])
  if (base === undefined) throw new StepError(`:search step: connection ${conn.name} has no :base-url`, {retryable: false})
  const url = new URL(joinUrl(base, 'search'))
  url.searchParams.set('q', query)
  url.searchParams.set('format', 'json')
  const res = await providerFetch({label: 'search', url: url.toString(), signal: ctx.signal})
  if (res.status < 200 || res.status >= 300) failForStatus('search', res)
  const body = res.body as {results?: unknown} | undefined
  if (body === undefined) throw new StepError(`search: SearXNG did not answer JSON (is format=json enabled?): ${excerpt(res.text)}`, {retryable: false})
  return hits(body.results, 'content').slice(0, limit)
}

async function brave(conn: Connection, query: string, limit: number, ctx: StepContext): Promise<Hit[]> {
  const auth = conn.auth as Record<string, unknown> | undefined
  const secretName = str(auth?.['api-key']) ?? str(auth?.token)
  if (secretName === undefined) throw new StepError(`:search step: brave connection ${conn.name} needs :auth {:api-key :secret-name}`, {retryable: false})
  const url = new URL(joinUrl(str(conn['base-url']) ?? 'https://api.search.brave.com', 'res/v1/web/search'))
  url.searchParams.set('q', query)
  // Brave caps count at 20.
  url.searchParams.set('count', String(Math.min(limit, 20)))
  const res = await providerFetch({label: 'search', url: url.toString(), headers: {'X-Subscription-Token': ctx.secret(secretName)}, signal: ctx.signal})
  if (res.status < 200 || res.status >= 300) failForStatus('search', res)
  const body = res.body as {web?: {results?: unknown}} | undefined
  return hits(body?.web?.results, 'description').slice(0, limit)
}

const PROVIDERS: Record<string, (conn: Connection, query: string, limit: number, ctx: StepContext) => Promise<Hit[]>> = {searxng, brave}

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
    const cfg = new StepConfig(config, 'search')
    const conn = ctx.connection(cfg.requireString('connection'))
    const query = cfg.requireString('query')
    const limit = cfg.number('limit') ?? DEFAULT_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new StepError(':search step: :limit must be a positive integer', {retryable: false})
    const provider = str(conn.provider) ?? 'searxng'
    const impl = PROVIDERS[provider]
    if (impl === undefined) throw new StepError(`:search step: connection ${conn.name} has unknown :provider ${provider}`, {retryable: false, hint: 'Use :provider :searxng or :brave.'})
    const results = await impl(conn, query, limit, ctx)
    ctx.log(`search ${provider}: ${results.length} result${results.length === 1 ? '' : 's'} for "${query}"`)
    return done(emap({results: results.map((r) => emap({title: r.title, url: r.url, snippet: r.snippet}))}))
  },
}
