import {afterEach, describe, expect, it} from 'vitest'
import {toJson} from '../../../src/engine/edn/json.js'
import {emap, kw, type EdnMap, type Value} from '../../../src/engine/edn/values.js'
import {llmStep, parseJsonReply} from '../../../src/engine/steps/llm.js'
import {retryAfterMs} from '../../../src/engine/steps/provider-fetch.js'
import {StepError, type StepOutcome} from '../../../src/engine/steps/types.js'
import type {FakeServer} from '../../helpers/servers/http.js'
import {startFakeAnthropic, startFakeOpenAi} from '../../helpers/servers/llm.js'
import {testStepContext} from '../../helpers/step-context.js'

const servers: FakeServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function openai(reply?: (u: string) => string): Promise<FakeServer> {
  const s = await startFakeOpenAi({apiKey: 'sk-test', reply})
  servers.push(s)
  return s
}

async function anthropic(reply?: (u: string) => string): Promise<FakeServer> {
  const s = await startFakeAnthropic({apiKey: 'ak-test', reply})
  servers.push(s)
  return s
}

function ctxFor(
  server: FakeServer,
  provider: 'openai' | 'anthropic',
  extra: {signal?: AbortSignal; baseSuffix?: string; templates?: Record<string, string>} = {},
) {
  const base = server.url + (extra.baseSuffix ?? (provider === 'openai' ? '/v1' : ''))
  return testStepContext({
    connections: {
      model: {type: 'llm', provider, 'base-url': base, model: 'test-model', auth: {'api-key': provider === 'openai' ? 'openai-key' : 'anthropic-key'}},
    },
    secrets: {'openai-key': 'sk-test', 'anthropic-key': 'ak-test'},
    signal: extra.signal,
    templates: extra.templates,
  })
}

function output(outcome: StepOutcome): Record<string, unknown> {
  if (outcome.kind !== 'done') throw new Error('expected done')
  return toJson(outcome.output) as Record<string, unknown>
}

const cfg = (m: Record<string, Value>): EdnMap => emap({connection: kw('model'), ...m})

describe(':llm step, OpenAI-compatible', () => {
  it('sends a well-formed chat completion and returns the common output shape', async () => {
    const s = await openai((u) => `You said ${u}`)
    const ctx = ctxFor(s, 'openai')
    const outcome = await llmStep.run(cfg({prompt: 'hello', system: 'be brief', temperature: 0.2, 'max-tokens': 50}), ctx)
    const out = output(outcome)
    expect(Object.keys(out).sort()).toEqual(['json', 'model', 'text', 'usage'])
    expect(out.text).toBe('You said hello')
    expect(out.json).toBeNull()
    expect(out.model).toBe('test-model')
    const usage = out.usage as Record<string, number>
    expect(Object.keys(usage).sort()).toEqual(['input-tokens', 'output-tokens', 'total-tokens'])
    expect(usage['total-tokens']).toBe(usage['input-tokens']! + usage['output-tokens']!)
    expect(usage['input-tokens']).toBeGreaterThan(0)
    expect(outcome.kind === 'done' && outcome.meta?.usage).toEqual(usage)

    const req = s.requests[0]!
    expect(req.headers.authorization).toBe('Bearer sk-test')
    expect(req.headers['idempotency-key']).toBe(ctx.idempotencyKey)
    expect(req.json).toEqual({
      model: 'test-model',
      messages: [
        {role: 'system', content: 'be brief'},
        {role: 'user', content: 'hello'},
      ],
      temperature: 0.2,
      max_tokens: 50,
    })
    expect(ctx.usedSecrets.has('sk-test')).toBe(true)
  })

  it('takes :messages and a step :model over the connection model', async () => {
    const s = await openai()
    const messages = [emap({role: kw('user'), content: 'a'}), emap({role: kw('assistant'), content: 'b'}), emap({role: 'user', content: 'c'})]
    const out = output(await llmStep.run(cfg({messages, model: 'other-model'}), ctxFor(s, 'openai')))
    expect(out.text).toBe('echo: c')
    expect(out.model).toBe('other-model')
    expect((s.requests[0]!.json as {messages: unknown[]}).messages).toHaveLength(3)
  })

  it('renders :template with :data as the prompt', async () => {
    const s = await openai()
    const ctx = ctxFor(s, 'openai', {templates: {review: 'Review this diff'}})
    const out = output(await llmStep.run(cfg({template: kw('review'), data: emap({diff: 'x'})}), ctx))
    expect(out.text).toBe('echo: Review this diff')
  })

  it('retries a 429 after the Retry-After seconds, then succeeds', async () => {
    const s = await openai()
    s.queue.push({status: 429, headers: {'retry-after': '1'}, body: {error: {message: 'rate limited'}}})
    const t0 = Date.now()
    const out = output(await llmStep.run(cfg({prompt: 'hi'}), ctxFor(s, 'openai')))
    expect(out.text).toBe('echo: hi')
    expect(s.requests).toHaveLength(2)
    const gap = s.requests[1]!.at - s.requests[0]!.at
    expect(gap).toBeGreaterThanOrEqual(950)
    expect(Date.now() - t0).toBeLessThan(5000)
    // Both tries are the same attempt, so they carry the same idempotency key.
    expect(s.requests[1]!.headers['idempotency-key']).toBe(s.requests[0]!.headers['idempotency-key'])
  })

  it('retries a 500 then succeeds', async () => {
    const s = await openai()
    s.queue.push({status: 500, body: {error: {message: 'boom'}}})
    const outcome = await llmStep.run(cfg({prompt: 'again'}), ctxFor(s, 'openai'))
    expect(output(outcome).text).toBe('echo: again')
    expect(s.requests).toHaveLength(2)
    expect(outcome.kind === 'done' && outcome.meta?.tries).toBe(2)
  })

  it('gives up after 3 tries of 503 with a retryable step error', async () => {
    const s = await openai()
    for (let i = 0; i < 3; i++) s.queue.push({status: 503, headers: {'retry-after': '0'}, body: {error: {message: 'overloaded'}}})
    const err = await llmStep.run(cfg({prompt: 'x'}), ctxFor(s, 'openai')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StepError)
    expect((err as StepError).message).toMatch(/HTTP 503/)
    expect((err as StepError).retryable).toBe(true)
    expect(s.requests).toHaveLength(3)
  })

  it('fails a bad API key at once, without retrying and without leaking the key', async () => {
    const s = await openai()
    const ctx = testStepContext({
      connections: {model: {type: 'llm', provider: 'openai', 'base-url': s.url + '/v1', model: 'm', auth: {'api-key': 'k'}}},
      secrets: {k: 'sk-wrong'},
    })
    const err = (await llmStep.run(cfg({prompt: 'x'}), ctx).catch((e: unknown) => e)) as StepError
    expect(err.code).toBe('step_failed')
    expect(err.message).toMatch(/HTTP 401/)
    expect(err.message).not.toContain('sk-wrong')
    expect(err.retryable).toBe(false)
    expect(s.requests).toHaveLength(1)
  })

  it('stops waiting on Retry-After when the step is cancelled', async () => {
    const s = await openai()
    s.queue.push({status: 429, headers: {'retry-after': '20'}})
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('timeout')), 200)
    const t0 = Date.now()
    const err = (await llmStep.run(cfg({prompt: 'x'}), ctxFor(s, 'openai', {signal: ac.signal})).catch((e: unknown) => e)) as StepError
    expect(err.message).toMatch(/cancelled/)
    expect(Date.now() - t0).toBeLessThan(2000)
  })

  it(':json true parses the reply (fenced or bare) into EDN', async () => {
    const s = await openai(() => '```json\n{"verdict": "ok", "score": 3, "tags": ["a"]}\n```')
    const outcome = await llmStep.run(cfg({prompt: 'rate', json: true}), ctxFor(s, 'openai'))
    expect(output(outcome).json).toEqual({verdict: 'ok', score: 3, tags: ['a']})
    // Keys arrive as keywords in the flow.
    if (outcome.kind !== 'done') throw new Error('done')
    const json = (outcome.output as EdnMap).get(kw('json')) as EdnMap
    expect(json.get(kw('score'))).toBe(3)
  })

  it(':json true fails clearly and non-retryably on a non-JSON reply', async () => {
    const s = await openai(() => 'Sure! Here is the answer: maybe')
    const err = (await llmStep.run(cfg({prompt: 'rate', json: true}), ctxFor(s, 'openai')).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.message).toMatch(/not valid JSON/)
    expect(err.message).toContain('Sure! Here is the answer')
    expect(err.retryable).toBe(false)
  })
})

describe(':llm step, Anthropic', () => {
  it('sends a messages request with x-api-key, anthropic-version and a system field', async () => {
    const s = await anthropic((u) => `claude: ${u}`)
    const ctx = ctxFor(s, 'anthropic')
    const outcome = await llmStep.run(cfg({prompt: 'hello', system: 'terse', temperature: 0}), ctx)
    const out = output(outcome)
    expect(out).toEqual({text: 'claude: hello', json: null, model: 'test-model', usage: {'input-tokens': 11, 'output-tokens': 7, 'total-tokens': 18}})
    const req = s.requests[0]!
    expect(req.headers['x-api-key']).toBe('ak-test')
    expect(req.headers['anthropic-version']).toBe('2023-06-01')
    expect(req.headers.authorization).toBeUndefined()
    expect(req.headers['idempotency-key']).toBe(ctx.idempotencyKey)
    expect(req.json).toEqual({model: 'test-model', max_tokens: 1024, messages: [{role: 'user', content: 'hello'}], system: 'terse', temperature: 0})
  })

  it('accepts a base-url that already ends in /v1 and moves system messages to the system field', async () => {
    const s = await anthropic()
    const messages = [emap({role: kw('system'), content: 'sys'}), emap({role: kw('user'), content: 'q'})]
    const out = output(await llmStep.run(cfg({messages, 'max-tokens': 10}), ctxFor(s, 'anthropic', {baseSuffix: '/v1'})))
    expect(out.text).toBe('echo: q')
    expect(s.requests[0]!.json).toMatchObject({system: 'sys', max_tokens: 10, messages: [{role: 'user', content: 'q'}]})
  })

  it('retries a 429 with an HTTP-date Retry-After', async () => {
    const s = await anthropic()
    s.queue.push({status: 429, headers: {'retry-after': new Date(Date.now() + 1000).toUTCString()}, body: {type: 'error', error: {type: 'rate_limit_error'}}})
    const out = output(await llmStep.run(cfg({prompt: 'p', json: false}), ctxFor(s, 'anthropic')))
    expect(out.text).toBe('echo: p')
    expect(s.requests).toHaveLength(2)
  })

  it(':json true works the same for Anthropic', async () => {
    const s = await anthropic(() => '  {"a": [1, 2]}  ')
    expect(output(await llmStep.run(cfg({prompt: 'p', json: true}), ctxFor(s, 'anthropic'))).json).toEqual({a: [1, 2]})
  })
})

describe(':llm helpers and check', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000)
    expect(retryAfterMs('0.5')).toBe(500)
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000)
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0)
    expect(retryAfterMs('soon')).toBeUndefined()
    expect(retryAfterMs(null)).toBeUndefined()
  })

  it('parseJsonReply tolerates fences and rejects prose', () => {
    expect(parseJsonReply('```\n[1]\n```')).toEqual([1])
    expect(parseJsonReply('"x"')).toBe('x')
    expect(() => parseJsonReply('no')).toThrow(/not valid JSON/)
  })

  it('check reports literal-config mistakes', () => {
    expect(llmStep.check!(emap({}))).toEqual(['missing :connection', 'needs :prompt, :messages or :template'])
    expect(llmStep.check!(cfg({prompt: 'x'}))).toEqual([])
    expect(llmStep.check!(cfg({prompt: 'x', json: 'yes'}))).toEqual([':json must be true or false'])
  })

  it('refuses an unknown provider', async () => {
    const ctx = testStepContext({connections: {model: {type: 'llm', provider: 'gemini', 'base-url': 'http://127.0.0.1:1', model: 'm'}}})
    await expect(llmStep.run(cfg({prompt: 'x'}), ctx)).rejects.toThrow(/unknown :provider gemini/)
  })
})
