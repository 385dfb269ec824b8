/**
 * `:llm` — one chat turn against an OpenAI-compatible or an Anthropic API, chosen by the
 * connection's `:provider`. Output is the same for every provider:
 * `{:text :json :model :usage {:input-tokens :output-tokens :total-tokens}}`.
 *
 * URL convention: `:base-url` is what the provider's own SDK calls its base URL.
 *   - openai (and compatibles: vLLM, Ollama, llama.cpp):  POST {base-url}/chat/completions,
 *     base-url usually ends in `/v1` (default https://api.openai.com/v1).
 *   - anthropic: POST {base-url}/v1/messages (default base https://api.anthropic.com); a
 *     base-url that already ends in `/v1` gets just `/messages`, so both spellings work.
 */
import * as z from 'zod'
import {fromJson} from '../edn/json.js'
import {lazyValue} from '../lazy.js'
import {emap, isMap, type EdnMap, type Value} from '../edn/values.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {connectionAs, llmConnection} from './connection-types.js'
import {bodyAs, excerpt, failForStatus, joinUrl, providerFetch} from './provider-fetch.js'
import {done, StepError, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

type LlmConnection = z.output<ReturnType<typeof llmConnection>>

/** The step's config; `:messages` is read by readMessages, which names the message at fault. */
const llmConfig = {
  connection: fields.text,
  model: fields.text.optional(),
  system: fields.text.optional(),
  messages: fields.value.optional(),
  prompt: fields.text.optional(),
  template: fields.text,
  data: fields.value.optional(),
  temperature: fields.number.optional(),
  'max-tokens': fields.number.optional(),
  json: fields.boolean.optional(),
} satisfies ConfigShape
type LlmConfig = StepConfig<typeof llmConfig>

interface ChatMessage {
  role: string
  content: string
}

interface Usage {
  input: number
  output: number
}

interface Reply {
  text: string
  model: string
  usage: Usage
}

interface ChatRequest {
  model: string
  system?: string
  messages: ChatMessage[]
  temperature?: number
  maxTokens?: number
}

const ANTHROPIC_VERSION = '2023-06-01'
/** Anthropic requires max_tokens; this is what we ask for when the step does not say. */
const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024

function fail(message: string, hint?: string): never {
  throw new StepError(`:llm step: ${message}`, {retryable: false, hint})
}

/** What a provider sent that we read; anything odd in a field reads as absent (usage as 0). Built on first use. */
const model = () => z.string().optional().catch(undefined)
const tokens = () => z.number().optional().catch(undefined)
/** Some compatibles return content as an array of parts; only the text ones count. */
const part = () => z.object({type: z.unknown(), text: z.string().optional().catch(undefined)}).catch({type: undefined, text: undefined})

const openAiReply = lazyValue(() =>
  z.object({
    model: model(),
    choices: z.tuple(
      [z.object({message: z.object({content: z.union([z.string(), z.array(part()).transform((ps) => ps.map((p) => p.text ?? '').join(''))])})})],
      z.unknown(),
    ),
    usage: z.object({prompt_tokens: tokens(), completion_tokens: tokens()}).optional().catch(undefined),
  }),
)

const anthropicReply = lazyValue(() =>
  z.object({
    model: model(),
    content: z.array(part()),
    usage: z.object({input_tokens: tokens(), output_tokens: tokens()}).optional().catch(undefined),
  }),
)

function readMessages(cfg: LlmConfig): ChatMessage[] {
  const v = cfg.get('messages')
  if (!Array.isArray(v)) fail(':messages must be a vector of {:role :content} maps')
  return v.map((m, i) => {
    if (!isMap(m)) fail(`:messages[${i}] must be a map with :role and :content`)
    const one = new StepConfig(m, 'llm')
    const role = one.keyword('role')
    const content = one.string('content')
    if (role === undefined || content === undefined) fail(`:messages[${i}] needs :role and :content`)
    return {role, content}
  })
}

/** The conversation from :messages, :prompt, or :template + :data (in that order of precedence). */
function conversation(cfg: LlmConfig, ctx: StepContext): ChatMessage[] {
  const messages = cfg.has('messages') ? readMessages(cfg) : []
  const prompt = cfg.get('prompt') ?? (cfg.has('template') ? ctx.renderTemplate(cfg.get('template'), cfg.get('data') ?? emap({})) : undefined)
  if (prompt !== undefined) messages.push({role: 'user', content: prompt})
  if (messages.length === 0) fail('needs :prompt, :messages or :template', 'Add :prompt "…" to the step config.')
  return messages
}

function apiKey(conn: LlmConnection, ctx: StepContext): string | undefined {
  const name = conn.auth?.['api-key']
  return name === undefined ? undefined : ctx.secret(name)
}

async function callOpenAi(conn: LlmConnection, req: ChatRequest, ctx: StepContext): Promise<Reply & {tries: number}> {
  const key = apiKey(conn, ctx)
  const messages = req.system === undefined ? req.messages : [{role: 'system', content: req.system}, ...req.messages]
  const res = await providerFetch({
    label: 'llm',
    url: joinUrl(conn['base-url'] ?? 'https://api.openai.com/v1', 'chat/completions'),
    headers: {'Idempotency-Key': ctx.idempotencyKey, 'Breyta-Attempt': String(ctx.attempt), ...(key === undefined ? {} : {authorization: `Bearer ${key}`})},
    json: {
      model: req.model,
      messages,
      ...(req.temperature === undefined ? {} : {temperature: req.temperature}),
      ...(req.maxTokens === undefined ? {} : {max_tokens: req.maxTokens}),
    },
    signal: ctx.signal,
  })
  if (res.status < 200 || res.status >= 300) failForStatus('llm', res)
  const body = bodyAs(res, openAiReply())
  if (body === undefined) throw new StepError(`llm: unexpected chat completion response: ${excerpt(res.text)}`, {retryable: false})
  return {
    text: body.choices[0].message.content,
    model: body.model ?? req.model,
    usage: {input: body.usage?.prompt_tokens ?? 0, output: body.usage?.completion_tokens ?? 0},
    tries: res.tries,
  }
}

async function callAnthropic(conn: LlmConnection, req: ChatRequest, ctx: StepContext): Promise<Reply & {tries: number}> {
  const key = apiKey(conn, ctx)
  const base = conn['base-url'] ?? 'https://api.anthropic.com'
  // Anthropic takes the system prompt as a field, not a message.
  const systems = [req.system, ...req.messages.filter((m) => m.role === 'system').map((m) => m.content)].filter((s): s is string => s !== undefined)
  const res = await providerFetch({
    label: 'llm',
    url: joinUrl(base, /\/v1\/?$/.test(base) ? 'messages' : 'v1/messages'),
    headers: {
      'Idempotency-Key': ctx.idempotencyKey,
      'Breyta-Attempt': String(ctx.attempt),
      'anthropic-version': ANTHROPIC_VERSION,
      ...(key === undefined ? {} : {'x-api-key': key}),
    },
    json: {
      model: req.model,
      max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: req.messages.filter((m) => m.role !== 'system'),
      ...(systems.length === 0 ? {} : {system: systems.join('\n\n')}),
      ...(req.temperature === undefined ? {} : {temperature: req.temperature}),
    },
    signal: ctx.signal,
  })
  if (res.status < 200 || res.status >= 300) failForStatus('llm', res)
  const body = bodyAs(res, anthropicReply())
  if (body === undefined) throw new StepError(`llm: unexpected messages response: ${excerpt(res.text)}`, {retryable: false})
  return {
    text: body.content
      .filter((c) => c.type === 'text')
      .map((c) => c.text ?? '')
      .join(''),
    model: body.model ?? req.model,
    usage: {input: body.usage?.input_tokens ?? 0, output: body.usage?.output_tokens ?? 0},
    tries: res.tries,
  }
}

/** Parse a reply as JSON, tolerating the ```json fence models like to add. */
export function parseJsonReply(text: string): unknown {
  let t = text.trim()
  const fence = /^```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)\n?```$/.exec(t)
  if (fence) t = fence[1]!.trim()
  try {
    return JSON.parse(t)
  } catch (err) {
    throw new StepError(`llm: :json true but the reply is not valid JSON (${err instanceof Error ? err.message : String(err)}): ${excerpt(text, 200)}`, {
      retryable: false,
      hint: 'Ask for JSON only in the prompt, or drop :json true and parse :text yourself.',
    })
  }
}

const PROVIDERS = ['openai', 'anthropic']

export const llmStep: StepExecutor = {
  type: 'llm',

  check(config: EdnMap): string[] {
    const cfg = new StepConfig(config, 'llm')
    const problems: string[] = []
    if (!cfg.has('connection')) problems.push('missing :connection')
    if (!cfg.has('prompt') && !cfg.has('messages') && !cfg.has('template')) problems.push('needs :prompt, :messages or :template')
    const json = cfg.value('json')
    if (json !== undefined && typeof json !== 'boolean') problems.push(':json must be true or false')
    return problems
  },

  async run(config: EdnMap, ctx: StepContext): Promise<StepOutcome> {
    const cfg = new StepConfig(config, 'llm', llmConfig)
    const conn = connectionAs(llmConnection, ctx.connection(cfg.get('connection')))
    const provider = conn.provider ?? 'openai'
    if (!PROVIDERS.includes(provider))
      fail(`connection ${conn.name} has unknown :provider ${provider}`, 'Use :provider :openai (any OpenAI-compatible API) or :anthropic.')
    const model = cfg.get('model') ?? conn.model
    if (model === undefined) fail('no :model in the step or its connection')
    const req: ChatRequest = {
      model,
      system: cfg.get('system'),
      messages: conversation(cfg, ctx),
      temperature: cfg.get('temperature'),
      maxTokens: cfg.get('max-tokens'),
    }
    const reply = provider === 'anthropic' ? await callAnthropic(conn, req, ctx) : await callOpenAi(conn, req, ctx)
    const json: Value = cfg.get('json') === true ? fromJson(parseJsonReply(reply.text)) : null
    const usage = {input: reply.usage.input, output: reply.usage.output, total: reply.usage.input + reply.usage.output}
    ctx.log(`llm ${provider} ${reply.model}: ${usage.input} in / ${usage.output} out tokens${reply.tries > 1 ? ` after ${reply.tries} tries` : ''}`)
    return done(
      emap({
        text: reply.text,
        json,
        model: reply.model,
        usage: emap({'input-tokens': usage.input, 'output-tokens': usage.output, 'total-tokens': usage.total}),
      }),
      {usage: {'input-tokens': usage.input, 'output-tokens': usage.output, 'total-tokens': usage.total}, model: reply.model, provider, tries: reply.tries},
    )
  },
}
