/**
 * Fake LLM providers speaking the real wire protocols: OpenAI chat completions (shared with the
 * demo, in scripts/demo/stand-ins.mjs) and Anthropic messages. They check the request shape and
 * auth the way the real APIs do (401 on a bad key, 400 on a malformed body) and answer with
 * `reply(userText)`.
 */
import {startServer, type FakeServer, type RecordedRequest, type Reply} from './http.js'

export {startFakeOpenAi} from '../../../scripts/demo/stand-ins.mjs'

export interface FakeLlmOptions {
  apiKey: string
  /** The assistant text for a request; default echoes the last user message. */
  reply?: (lastUser: string, req: RecordedRequest) => string
  model?: string
}

interface Msg {
  role?: unknown
  content?: unknown
}

function badRequest(message: string): Reply {
  return {status: 400, body: {error: {type: 'invalid_request_error', message}}}
}

function lastUser(messages: Msg[]): string {
  const m = [...messages].reverse().find((x) => x.role === 'user')
  return typeof m?.content === 'string' ? m.content : ''
}

export function startFakeAnthropic(options: FakeLlmOptions): Promise<FakeServer> {
  return startServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v1/messages')
      return {status: 404, body: {type: 'error', error: {type: 'not_found_error', message: `no route ${req.path}`}}}
    if (req.headers['x-api-key'] !== options.apiKey)
      return {status: 401, body: {type: 'error', error: {type: 'authentication_error', message: 'invalid x-api-key'}}}
    if (typeof req.headers['anthropic-version'] !== 'string') return badRequest('anthropic-version header is required')
    const body = req.json as {model?: unknown; messages?: Msg[]; max_tokens?: unknown; system?: unknown} | undefined
    if (typeof body?.model !== 'string') return badRequest('model: Field required')
    if (!Number.isInteger(body.max_tokens)) return badRequest('max_tokens: Field required')
    if (!Array.isArray(body.messages) || body.messages.length === 0) return badRequest('messages: at least one message is required')
    for (const m of body.messages) {
      // The real API rejects system-role messages: system goes in the top-level field.
      if (!['user', 'assistant'].includes(String(m.role))) return badRequest(`messages: Unexpected role "${String(m.role)}"`)
    }
    if (body.system !== undefined && typeof body.system !== 'string') return badRequest('system must be a string')
    const text = (options.reply ?? ((u) => `echo: ${u}`))(lastUser(body.messages), req)
    return {
      status: 200,
      body: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model: options.model ?? body.model,
        content: [{type: 'text', text}],
        stop_reason: 'end_turn',
        usage: {input_tokens: 11, output_tokens: 7},
      },
    }
  })
}
