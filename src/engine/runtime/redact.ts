/**
 * Secret redaction (SPEC §4): every secret value the workspace can resolve is registered here
 * (see workspace-redactor.ts), with the encoded forms the engine or a program may print, and
 * every journal event, snapshot, log line, error and output passes through before it is written
 * or printed. A value shorter than MIN_SECRET_LENGTH cannot be redacted safely (replacing "1" or
 * "yes" everywhere shreds unrelated text), so such a value is refused where it enters: `secrets
 * set` and secret resolution (assertRedactable), never silently left raw.
 */
import type {Json} from '../edn/json.js'
import {isMap, isSet, Keyword, List, Tagged, type EdnMap, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'

export const REDACTED = '***'
export const MIN_SECRET_LENGTH = 6

/** Refuse a secret value too short to redact; `name` is the secret's name (never the value). */
export function assertRedactable(name: string, value: string): string {
  if (value.length < MIN_SECRET_LENGTH) {
    throw new BreytaError('invalid_input', `secret "${name}" is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact safely`, {
      hint: `Use a value of at least ${MIN_SECRET_LENGTH} characters (\`breyta secrets set ${name}\`, or its BREYTA_SECRET_ env variable).`,
      details: {secret: name, 'min-length': MIN_SECRET_LENGTH},
    })
  }
  return value
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class Redactor {
  private secrets = new Set<string>()
  private pattern: RegExp | null = null
  /** The set is shared with a fork (or its origin): copied before this one registers a value. */
  private shared = false

  /**
   * A redactor that starts with this one's values and takes more of its own without adding
   * them here: what a run gets from a workspace redactor built once (workspace-redactor.ts).
   * Both share the set and its compiled pattern until either registers a new value.
   */
  fork(): Redactor {
    const r = new Redactor()
    r.secrets = this.secrets
    r.pattern = this.regex()
    r.shared = this.shared = true
    return r
  }

  /**
   * Register a secret value with the forms it takes on its way out: URL-encoded (query
   * strings), JSON-escaped (a program that prints JSON, a key with newlines) and base64 (a
   * token a program encodes itself). Basic auth is registered whole by addBasicAuth: the
   * password's own base64 does not appear inside base64("user:password").
   */
  add(value: string): this {
    if (value.length < MIN_SECRET_LENGTH) return this
    for (const v of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')]) this.register(v)
    return this
  }

  /** The base64 credentials of an `Authorization: Basic` header built from this password. */
  addBasicAuth(user: string, password: string): this {
    if (password.length < MIN_SECRET_LENGTH) return this
    this.add(password)
    this.register(Buffer.from(`${user}:${password}`).toString('base64'))
    return this
  }

  private register(v: string): void {
    if (v.length >= MIN_SECRET_LENGTH && !this.secrets.has(v)) {
      if (this.shared) {
        this.secrets = new Set(this.secrets)
        this.shared = false
      }
      this.secrets.add(v)
      this.pattern = null
    }
  }

  get size(): number {
    return this.secrets.size
  }

  /** Longest first, so a secret that contains another is replaced whole. */
  private regex(): RegExp | null {
    if (this.secrets.size === 0) return null
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    )
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
