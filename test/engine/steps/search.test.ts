import {afterEach, describe, expect, it} from 'vitest'
import {toJson} from '../../../src/engine/edn/json.js'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {searchStep} from '../../../src/engine/steps/search.js'
import {StepError, type StepOutcome} from '../../../src/engine/steps/types.js'
import type {FakeServer} from '../../helpers/servers/http.js'
import {startFakeBrave, startFakeSearxng, type Doc} from '../../helpers/servers/search.js'
import {testStepContext} from '../../helpers/step-context.js'

const docs: Doc[] = [
  {title: 'Temporal durable execution', url: 'https://example.test/temporal', text: 'Workflows that survive crashes.'},
  {title: 'Dagu DAG runner', url: 'https://example.test/dagu', text: 'A local workflow engine.'},
  {title: 'EDN format', url: 'https://example.test/edn', text: 'Extensible data notation & friends'},
]

const servers: FakeServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function results(outcome: StepOutcome): {title: string; url: string; snippet: string}[] {
  if (outcome.kind !== 'done') throw new Error('expected done')
  return (toJson(outcome.output) as {results: {title: string; url: string; snippet: string}[]}).results
}

describe(':search step', () => {
  it('queries SearXNG JSON and normalises results', async () => {
    const s = await startFakeSearxng(docs)
    servers.push(s)
    const ctx = testStepContext({connections: {web: {type: 'search', provider: 'searxng', 'base-url': s.url}}})
    const out = results(await searchStep.run(emap({connection: kw('web'), query: 'workflow & crashes'}), ctx))
    expect(out).toEqual([
      {title: 'Temporal durable execution', url: 'https://example.test/temporal', snippet: 'Workflows that survive crashes.'},
      {title: 'Dagu DAG runner', url: 'https://example.test/dagu', snippet: 'A local workflow engine.'},
      {title: 'EDN format', url: 'https://example.test/edn', snippet: 'Extensible data notation & friends'},
    ])
    expect(s.requests[0]!.path).toBe('/search')
    expect(s.requests[0]!.query.get('q')).toBe('workflow & crashes')
    expect(s.requests[0]!.query.get('format')).toBe('json')
  })

  it('applies :limit', async () => {
    const s = await startFakeSearxng(docs)
    servers.push(s)
    const ctx = testStepContext({connections: {web: {type: 'search', provider: 'searxng', 'base-url': s.url + '/'}}})
    expect(results(await searchStep.run(emap({connection: kw('web'), query: 'workflow', limit: 1}), ctx))).toHaveLength(1)
  })

  it('queries Brave with the subscription token from a secret', async () => {
    const s = await startFakeBrave(docs, 'brv-secret')
    servers.push(s)
    const ctx = testStepContext({
      connections: {brave: {type: 'search', provider: 'brave', 'base-url': s.url, auth: {'api-key': 'brave-key'}}},
      secrets: {'brave-key': 'brv-secret'},
    })
    const out = results(await searchStep.run(emap({connection: kw('brave'), query: 'dagu', limit: 5}), ctx))
    expect(out).toEqual([{title: 'Dagu DAG runner', url: 'https://example.test/dagu', snippet: 'A local workflow engine.'}])
    expect(s.requests[0]!.headers['x-subscription-token']).toBe('brv-secret')
    expect(s.requests[0]!.query.get('count')).toBe('5')
  })

  it('fails non-retryably on a rejected Brave token', async () => {
    const s = await startFakeBrave(docs, 'right')
    servers.push(s)
    const ctx = testStepContext({connections: {brave: {type: 'search', provider: 'brave', 'base-url': s.url, auth: {'api-key': 'k'}}}, secrets: {k: 'wrong'}})
    const err = (await searchStep.run(emap({connection: kw('brave'), query: 'x'}), ctx).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.message).toMatch(/HTTP 422/)
    expect(err.retryable).toBe(false)
  })

  it('retries a 429 from the search API', async () => {
    const s = await startFakeSearxng(docs)
    servers.push(s)
    s.queue.push({status: 429, headers: {'retry-after': '0'}, body: 'slow down'})
    const ctx = testStepContext({connections: {web: {type: 'search', 'base-url': s.url}}})
    expect(results(await searchStep.run(emap({connection: kw('web'), query: 'edn'}), ctx))).toHaveLength(1)
    expect(s.requests).toHaveLength(2)
  })

  it('check finds missing :connection and :query', () => {
    expect(searchStep.check!(emap({}))).toEqual(['missing :connection', 'missing :query'])
    expect(searchStep.check!(emap({connection: kw('web'), query: 'q'}))).toEqual([])
  })
})
