/**
 * Secret redaction (SPEC §4): every secret value the runtime resolves is registered here, and
 * every journal event, log line, error and output passes through before it is written or
 * printed. Values shorter than 4 characters are ignored: replacing "1" or "yes" everywhere
 * would shred unrelated text while protecting nothing.
 */
import type {Json} from '../edn/json.js'
import {isMap, isSet, Keyword, List, Tagged, type EdnMap, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'

export const REDACTED = '***'
export const MIN_SECRET_LENGTH = 4

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class Redactor {
  private readonly secrets = new Set<string>()
  private pattern: RegExp | null = null

  /** Register a secret value (and its URL-encoded form, which ends up in query strings). */
  add(value: string): this {
    for (const v of [value, encodeURIComponent(value)]) {
      if (v.length >= MIN_SECRET_LENGTH && !this.secrets.has(v)) {
        this.secrets.add(v)
        this.pattern = null
      }
    }
    return this
  }

  get size(): number {
    return this.secrets.size
  }

  /** Longest first, so a secret that contains another is replaced whole. */
  private regex(): RegExp | null {
    if (this.secrets.size === 0) return null
    this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g')
    return this.pattern
  }

  string(s: string): string {
    const re = this.regex()
    return re === null ? s : s.replace(re, REDACTED)
  }

  /** Deep over EDN values: strings, keywords, map keys and values, vectors, lists, sets, tagged values. */
  value(v: Value): Value {
    if (this.secrets.size === 0) return v
    if (typeof v === 'string') return this.string(v)
    if (v === null || typeof v !== 'object') return v
    if (v instanceof Keyword) {
      const name = this.string(v.name)
      return name === v.name ? v : Keyword.of(name)
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x))
    if (v instanceof List) return new List(v.items.map((x) => this.value(x)))
    if (isSet(v)) return new Set([...v].map((x) => this.value(x)))
    if (isMap(v)) {
      const out: EdnMap = new Map()
      for (const [k, val] of v) out.set(this.value(k), this.value(val))
      return out
    }
    if (v instanceof Tagged) return new Tagged(v.tag, this.value(v.value))
    return v
  }

  /** Deep over JSON (journal lines, --json documents), object keys included. */
  json<T extends Json | undefined>(j: T): T {
    if (this.secrets.size === 0 || j === undefined || j === null) return j
    if (typeof j === 'string') return this.string(j) as T
    if (typeof j !== 'object') return j
    if (Array.isArray(j)) return j.map((x) => this.json(x)) as T
    const out: {[k: string]: Json} = {}
    for (const [k, val] of Object.entries(j)) out[this.string(k)] = this.json(val)
    return out as T
  }

  /** Anything JSON-shaped that is not typed as Json (error details, event payloads). */
  unknown(x: unknown): unknown {
    if (this.secrets.size === 0) return x
    if (typeof x === 'string') return this.string(x)
    if (x === null || typeof x !== 'object') return x
    if (Array.isArray(x)) return x.map((y) => this.unknown(y))
    if (x instanceof Map || x instanceof Set || x instanceof List || x instanceof Tagged) return this.value(x as Value)
    if (Object.getPrototypeOf(x) !== Object.prototype && Object.getPrototypeOf(x) !== null) return x
    const out: Record<string, unknown> = {}
    for (const [k, val] of Object.entries(x)) out[this.string(k)] = this.unknown(val)
    return out
  }

  /** A copy of a BreytaError (same code) with message, hint and details redacted. */
  error<E extends BreytaError>(err: E): BreytaError {
    if (this.secrets.size === 0) return err
    const copy = new BreytaError(err.code, this.string(err.message), {
      hint: err.hint === undefined ? undefined : this.string(err.hint),
      details: err.details === undefined ? undefined : (this.unknown(err.details) as Record<string, unknown>),
    })
    // Keep step-specific flags such as StepError.retryable without importing steps.
    for (const key of Object.keys(err) as (keyof E)[]) {
      if (!(key in copy)) (copy as unknown as Record<string, unknown>)[key as string] = this.unknown(err[key])
    }
    copy.stack = err.stack === undefined ? undefined : this.string(err.stack)
    return copy
  }
}
