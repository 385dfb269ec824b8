/**
 * Fake search APIs with the real response shapes: SearXNG's `/search?format=json` and
 * Brave's `/res/v1/web/search` (auth by `X-Subscription-Token`).
 */
import {startServer, type FakeServer} from './http.js'

export interface Doc {
  title: string
  url: string
  text: string
}

function matching(docs: Doc[], q: string): Doc[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean)
  return docs.filter((d) => words.some((w) => (d.title + ' ' + d.text).toLowerCase().includes(w)))
}

export function startFakeSearxng(docs: Doc[]): Promise<FakeServer> {
  return startServer((req) => {
    if (req.method !== 'GET' || req.path !== '/search') return {status: 404, body: 'Not Found'}
    // A stock SearXNG answers 403 for formats it does not have enabled.
    if (req.query.get('format') !== 'json') return {status: 403, body: 'Forbidden'}
    const q = req.query.get('q') ?? ''
    return {
      status: 200,
      body: {
        query: q,
        number_of_results: 0,
        results: matching(docs, q).map((d, i) => ({url: d.url, title: d.title, content: d.text, engine: 'duckduckgo', score: 1 / (i + 1)})),
        answers: [],
        suggestions: [],
        unresponsive_engines: [],
      },
    }
  })
}

export function startFakeBrave(docs: Doc[], token: string): Promise<FakeServer> {
  return startServer((req) => {
    if (req.method !== 'GET' || req.path !== '/res/v1/web/search') return {status: 404, body: {type: 'ErrorResponse', error: {code: 'NOT_FOUND'}}}
    if (req.headers['x-subscription-token'] !== token)
      return {status: 422, body: {type: 'ErrorResponse', error: {code: 'SUBSCRIPTION_TOKEN_INVALID', status: 422}}}
    const q = req.query.get('q') ?? ''
    const count = Number(req.query.get('count') ?? 20)
    return {
      status: 200,
      body: {
        type: 'search',
        query: {original: q},
        web: {
          type: 'search',
          results: matching(docs, q)
            .slice(0, count)
            .map((d) => ({type: 'search_result', title: d.title, url: d.url, description: d.text})),
        },
      },
    }
  })
}
