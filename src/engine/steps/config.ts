/** Typed reads of a step's EDN config map, with messages that name the key. */
import {toJson, type Json} from '../edn/json.js'
import {field, isMap, Keyword, List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {parseDuration} from '../flow/duration.js'
import {StepError} from './types.js'

export class StepConfig {
  constructor(readonly raw: EdnMap, readonly type: string) {}

  has(key: string): boolean {
    return field(this.raw, key) !== undefined && field(this.raw, key) !== null
  }

  /** The raw EDN value, or undefined when absent or nil. */
  value(key: string): Value | undefined {
    const v = field(this.raw, key)
    return v === null ? undefined : v
  }

  private fail(key: string, expected: string): never {
    throw new StepError(`:${this.type} step: :${key} must be ${expected}`, {retryable: false, hint: `Fix :${key} in the step config.`})
  }

  string(key: string): string | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    if (typeof v === 'string') return v
    if (v instanceof Keyword) return v.name
    if (typeof v === 'number' || typeof v === 'bigint') return String(v)
    return this.fail(key, 'a string')
  }

  requireString(key: string): string {
    const v = this.string(key)
    if (v === undefined) throw new StepError(`:${this.type} step: missing :${key}`, {retryable: false, hint: `Add :${key} to the step config.`})
    return v
  }

  number(key: string): number | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    if (typeof v === 'number') return v
    if (typeof v === 'bigint') return Number(v)
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
    return this.fail(key, 'a number')
  }

  boolean(key: string): boolean | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    if (typeof v === 'boolean') return v
    return this.fail(key, 'true or false')
  }

  /** A keyword or string, returned as its name: `:post` → "post". */
  keyword(key: string): string | undefined {
    return this.string(key)
  }

  map(key: string): EdnMap | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    if (isMap(v)) return v
    return this.fail(key, 'a map')
  }

  /** A duration in ms ("30s", "5m", seconds as a number); a bad one is the flow's mistake, not retried. */
  duration(key: string): number | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    try {
      return parseDuration(v)
    } catch (err) {
      throw new StepError(`:${this.type} step: :${key}: ${(err as Error).message}`, {retryable: false, hint: `Fix :${key} in the step config (e.g. "30s", "5m", "24h"), then run the flow again.`})
    }
  }

  /**
   * `:ok-exit-codes [0 3]` (Breyta's key for exec and ssh): the exit codes that count as success;
   * default [0]. Undefined → only 0.
   */
  okExitCodes(): number[] {
    const v = this.value('ok-exit-codes')
    if (v === undefined) return [0]
    const problem = okExitCodesProblem(v)
    if (problem !== undefined) throw new StepError(`:${this.type} step: ${problem}`, {retryable: false, hint: 'Fix :ok-exit-codes in the step config, e.g. [0 3].'})
    return (v as (number | bigint)[]).map(Number)
  }

  /** Validation of `:ok-exit-codes` as written; one computed when the step runs is checked then. */
  okExitCodesProblems(): string[] {
    const v = this.value('ok-exit-codes')
    if (v === undefined || v instanceof List || v instanceof Sym) return []
    const problem = okExitCodesProblem(v)
    return problem === undefined ? [] : [problem]
  }

  /** A vector of strings (keywords and numbers allowed). */
  strings(key: string): string[] | undefined {
    const v = this.value(key)
    if (v === undefined) return undefined
    if (!Array.isArray(v)) return this.fail(key, 'a vector of strings')
    return v.map((x) => (x instanceof Keyword ? x.name : typeof x === 'string' || typeof x === 'number' ? String(x) : this.fail(key, 'a vector of strings')))
  }

  /** A map of string → string (e.g. headers, env), keys and values stringified. */
  stringMap(key: string): Record<string, string> | undefined {
    const m = this.map(key)
    if (m === undefined) return undefined
    const out: Record<string, string> = {}
    for (const [k, v] of m) {
      const name = k instanceof Keyword ? k.name : String(k)
      out[name] = v instanceof Keyword ? v.name : typeof v === 'string' ? v : JSON.stringify(toJson(v))
    }
    return out
  }

  /** The SPEC §6 JSON view of a value (for bodies sent over the wire). */
  json(key: string): Json | undefined {
    const v = this.value(key)
    return v === undefined ? undefined : toJson(v)
  }
}

/** The problem with an `:ok-exit-codes` value (a vector of integers 0–255), if any. */
export function okExitCodesProblem(v: Value): string | undefined {
  const ok = Array.isArray(v) && v.length > 0 && v.every((x) => (typeof x === 'number' || typeof x === 'bigint') && Number.isInteger(Number(x)) && Number(x) >= 0 && Number(x) <= 255)
  return ok ? undefined : ':ok-exit-codes must be a non-empty vector of exit codes (integers 0–255), e.g. [0 3]'
}
