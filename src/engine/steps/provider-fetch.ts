/**
 * HTTP for steps that talk to a provider API (llm, search, notify): JSON in, JSON out, with a
 * small bounded retry on 429/5xx inside the step. Retries live here (not only in the run's
 * `:retry`) because providers tell us *when* to come back (Retry-After), and a rate limit
 * should not burn one of the user's journaled attempts.
 */
import * as z from 'zod'
import {lazyValue} from '../lazy.js'
import {StepError} from './types.js'

export interface ProviderRequest {
  method?: string
  url: string
  headers?: Record<string, string>
  /** Sent as JSON when present. */
  json?: unknown
  signal: AbortSignal
  /** Total tries including the first (429/5xx/network errors only). */
  maxTries?: number
  /** Upper bound for one Retry-After wait, so a hostile header cannot park a step for hours. */
  maxDelayMs?: number
  /** Wait when the server sent no Retry-After: base * 2^(try-1). */
  baseDelayMs?: number
  /** Names the step in messages: "llm", "search". */
  label: string
}

export interface ProviderResponse {
  status: number
  headers: Headers
  text: string
  /** Parsed body when it was JSON, else undefined. */
  body: unknown
  tries: number
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const v = header.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal))
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal))
    }
    signal.addEventListener('abort', onAbort, {once: true})
  })
}

function abortError(signal: AbortSignal): StepError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted')
  return new StepError(`cancelled: ${reason}`, {retryable: false})
}

/** A short, secret-free excerpt of an error body for messages. */
export function excerpt(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t.length > max ? t.slice(0, max) + '…' : t
}

/** One try: the answer and its text, or the error fetch failed with (an abort throws instead). */
async function send(req: ProviderRequest, headers: Record<string, string>): Promise<{res: Response; text: string} | {error: unknown}> {
  let res: Response
  try {
    res = await fetch(req.url, {
      method: req.method ?? (req.json === undefined ? 'GET' : 'POST'),
      headers,
      body: req.json === undefined ? undefined : JSON.stringify(req.json),
      signal: req.signal,
    })
  } catch (error) {
    if (req.signal.aborted) throw abortError(req.signal)
    return {error}
  }
  return {res, text: await res.text()}
}

function jsonOrUndefined(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function requestFailed(req: ProviderRequest, err: unknown): StepError {
  const cause = err instanceof Error ? (withCause().safeParse(err).data?.cause.message ?? err.message) : String(err)
  return new StepError(`${req.label}: request to ${new URL(req.url).origin} failed: ${cause}`, {cause: err})
}

/**
 * Send the request, retrying 429/5xx and connection errors up to `maxTries` times. Returns the
 * last response whatever its status; callers decide what a non-2xx means for them.
 */
export async function providerFetch(req: ProviderRequest): Promise<ProviderResponse> {
  const maxTries = req.maxTries ?? 3
  const maxDelay = req.maxDelayMs ?? 30_000
  const base = req.baseDelayMs ?? 250
  const headers: Record<string, string> = {accept: 'application/json', ...req.headers}
  if (req.json !== undefined) headers['content-type'] = 'application/json'
  let lastError: unknown
  for (let attempt = 1; attempt <= maxTries; attempt++) {
    if (req.signal.aborted) throw abortError(req.signal)
    const backoff = base * 2 ** (attempt - 1)
    const sent = await send(req, headers)
    if ('error' in sent) {
      lastError = sent.error
      if (attempt === maxTries) throw requestFailed(req, sent.error)
      await sleep(Math.min(backoff, maxDelay), req.signal)
      continue
    }
    if (isRetryableStatus(sent.res.status) && attempt < maxTries) {
      await sleep(Math.min(retryAfterMs(sent.res.headers.get('retry-after')) ?? backoff, maxDelay), req.signal)
      continue
    }
    return {status: sent.res.status, headers: sent.res.headers, text: sent.text, body: jsonOrUndefined(sent.text), tries: attempt}
  }
  /* c8 ignore next */
  throw new StepError(`${req.label}: request failed`, {cause: lastError})
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, a DNS miss) is its cause. */
const withCause = lazyValue(() => z.object({cause: z.object({message: z.string()})}))

/** The JSON body read through a provider's schema; undefined when it was not JSON or not that shape. */
export function bodyAs<T extends z.ZodType>(res: ProviderResponse, schema: T): z.output<T> | undefined {
  const parsed = schema.safeParse(res.body)
  return parsed.success ? parsed.data : undefined
}

/** Fail the step for a non-2xx answer; 4xx other than 408/429 will not get better on retry. */
export function failForStatus(label: string, res: ProviderResponse): never {
  const retryable = res.status === 408 || isRetryableStatus(res.status)
  throw new StepError(`${label}: HTTP ${res.status}${res.text ? ': ' + excerpt(res.text) : ''}`, {
    retryable,
    details: {status: res.status, tries: res.tries},
  })
}

/** Join a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '')
}
