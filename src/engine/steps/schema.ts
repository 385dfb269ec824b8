/**
 * The field types step configs are made of, as zod schemas over EDN values, and the one place a
 * zod failure becomes the StepError breyta has always thrown: `:ssh step: missing :command`,
 * `:llm step: :temperature must be a number`, `:wait step: :timeout: invalid duration "soon" …`.
 * Each step declares its config's shape from these once (a `ConfigShape`); StepConfig reads a
 * field through it when the step needs the field, so a field is checked exactly when it was before.
 */
import * as z from 'zod'
import {toJson} from '../edn/json.js'
import {isMap, Keyword, type EdnMap, type Value} from '../edn/values.js'
import {parseDuration} from '../flow/duration.js'
import {lazyValue} from '../lazy.js'
import {StepError} from './types.js'

/** A step config's fields by keyword name. */
export type ConfigShape = Record<string, z.ZodType>

const MISSING = 'missing'

/** How an issue becomes a message: `must be <expected>` (the default), or `:<key>: <detail>` for durations. */
type IssueForm = {form: 'expected'} | {form: 'duration'}

/** A field read from an EDN value: `read` answers undefined for a value of the wrong kind. */
function ednField<T>(expected: string | ((v: Value) => string), read: (v: Value) => T | undefined) {
  return z.custom<Value>().transform((v, ctx): T => {
    if (v === undefined || v === null) {
      ctx.issues.push({code: 'custom', message: MISSING, input: v})
      return z.NEVER
    }
    const out = read(v)
    if (out === undefined)
      ctx.issues.push({
        code: 'custom',
        message: typeof expected === 'string' ? expected : expected(v),
        input: v,
        params: {form: 'expected'} satisfies IssueForm,
      })
    return out ?? z.NEVER
  })
}

function readText(v: Value): string | undefined {
  if (typeof v === 'string') return v
  if (v instanceof Keyword) return v.name
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  return undefined
}

function readNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return undefined
}

function readTexts(v: Value): string[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: string[] = []
  for (const x of v) {
    if (x instanceof Keyword) out.push(x.name)
    else if (typeof x === 'string' || typeof x === 'number') out.push(String(x))
    else return undefined
  }
  return out
}

/** Keys and values as text; a value that is neither a string nor a keyword goes as its JSON text. */
function readTextMap(v: Value): Record<string, string> | undefined {
  if (!isMap(v)) return undefined
  const out: Record<string, string> = {}
  for (const [k, x] of v) out[k instanceof Keyword ? k.name : String(k)] = x instanceof Keyword ? x.name : typeof x === 'string' ? x : JSON.stringify(toJson(x))
  return out
}

/** The field types; add `.optional()` for a field that may be absent (nil counts as absent). */
export const fields = {
  /** A string; keywords give their name and numbers their text (`:post` → "post"). */
  text: ednField('a string', readText),
  number: ednField('a number', readNumber),
  boolean: ednField('true or false', (v) => (typeof v === 'boolean' ? v : undefined)),
  map: ednField<EdnMap>('a map', (v) => (isMap(v) ? v : undefined)),
  /** A vector of strings (keywords and numbers allowed). */
  texts: ednField('a vector of strings', readTexts),
  /** A map of string → string (e.g. headers, env), keys and values stringified. */
  textMap: ednField('a map', readTextMap),
  /** A string, or a vector of strings (a command as words, several host-key pins). */
  textOrTexts: ednField<string | string[]>(
    (v) => (Array.isArray(v) ? 'a vector of strings' : 'a string'),
    (v) => (Array.isArray(v) ? readTexts(v) : readText(v)),
  ),
  /** A duration in ms ("30s", "5m", seconds as a number). */
  duration: z.custom<Value>().transform((v, ctx): number => {
    if (v === undefined || v === null) {
      ctx.issues.push({code: 'custom', message: MISSING, input: v})
      return z.NEVER
    }
    try {
      return parseDuration(v)
    } catch (err) {
      ctx.issues.push({code: 'custom', message: err instanceof Error ? err.message : String(err), input: v, params: {form: 'duration'} satisfies IssueForm})
      return z.NEVER
    }
  }),
  /** Any EDN value, as written (bodies, template data, values to store). */
  value: z.custom<Value>((v) => v !== undefined && v !== null, MISSING),
}

/** `:ok-exit-codes`: a non-empty vector of integers 0–255 (built on first use: only exec and ssh read it). */
export const exitCodes = lazyValue(() => z.array(z.union([z.number(), z.bigint()]).transform(Number).pipe(z.int().min(0).max(255))).min(1))

/** The StepError for a field that did not parse, worded as breyta always has. */
export function configError(type: string, key: string, error: z.ZodError): StepError {
  const issue = error.issues[0]
  if (issue === undefined || issue.message === MISSING) {
    return new StepError(`:${type} step: missing :${key}`, {retryable: false, hint: `Add :${key} to the step config.`})
  }
  const form = issue.code === 'custom' ? z.object({form: z.enum(['expected', 'duration'])}).safeParse(issue.params).data?.form : undefined
  if (form === 'duration') {
    return new StepError(`:${type} step: :${key}: ${issue.message}`, {
      retryable: false,
      hint: `Fix :${key} in the step config (e.g. "30s", "5m", "24h"), then run the flow again.`,
    })
  }
  return new StepError(`:${type} step: :${key} must be ${issue.message}`, {retryable: false, hint: `Fix :${key} in the step config.`})
}
