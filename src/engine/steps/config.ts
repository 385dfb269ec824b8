/** Reads of a step's EDN config map, typed by its shape, with messages that name the key. */
import type * as z from 'zod'
import {toJson, type Json} from '../edn/json.js'
import {field, List, Sym, type EdnMap, type Value} from '../edn/values.js'
import {configError, exitCodes, fields, type ConfigShape} from './schema.js'
import {StepError} from './types.js'

/** The field types of the untyped readers below, absent allowed. */
const optional = {
  text: fields.text.optional(),
  number: fields.number.optional(),
  boolean: fields.boolean.optional(),
  map: fields.map.optional(),
  duration: fields.duration.optional(),
  texts: fields.texts.optional(),
  textMap: fields.textMap.optional(),
}

/**
 * A step's config map, read field by field when the step needs each one. With the step's
 * `ConfigShape`, `get` returns the field parsed to its declared type; the untyped readers below
 * use the same field types (schema.ts), so a value means the same whichever way it is read.
 */
export class StepConfig<S extends ConfigShape = ConfigShape> {
  constructor(
    readonly raw: EdnMap,
    readonly type: string,
    readonly shape?: S,
  ) {}

  has(key: string): boolean {
    return field(this.raw, key) !== undefined && field(this.raw, key) !== null
  }

  /** The raw EDN value, or undefined when absent or nil. */
  value(key: string): Value | undefined {
    const v = field(this.raw, key)
    return v === null ? undefined : v
  }

  /** A field of the step's shape, parsed (absent or nil is undefined for optional fields). */
  get<K extends keyof S & string>(key: K): z.output<S[K]> {
    const schema = this.shape?.[key]
    if (schema === undefined) throw new Error(`:${this.type} step: :${key} is not in the config shape`)
    return this.read(key, schema)
  }

  /** A field through a schema: its value, or the StepError that names the key. */
  read<T extends z.ZodType>(key: string, schema: T): z.output<T> {
    const parsed = schema.safeParse(this.value(key))
    if (!parsed.success) throw configError(this.type, key, parsed.error)
    return parsed.data
  }

  string(key: string): string | undefined {
    return this.read(key, optional.text)
  }

  requireString(key: string): string {
    return this.read(key, fields.text)
  }

  number(key: string): number | undefined {
    return this.read(key, optional.number)
  }

  boolean(key: string): boolean | undefined {
    return this.read(key, optional.boolean)
  }

  /** A keyword or string, returned as its name: `:post` → "post". */
  keyword(key: string): string | undefined {
    return this.string(key)
  }

  map(key: string): EdnMap | undefined {
    return this.read(key, optional.map)
  }

  /** A duration in ms ("30s", "5m", seconds as a number); a bad one is the flow's mistake, not retried. */
  duration(key: string): number | undefined {
    return this.read(key, optional.duration)
  }

  /**
   * `:ok-exit-codes [0 3]` (Breyta's key for exec and ssh): the exit codes that count as success;
   * default [0]. Undefined → only 0.
   */
  okExitCodes(): number[] {
    const v = this.value('ok-exit-codes')
    if (v === undefined) return [0]
    const parsed = exitCodes().safeParse(v)
    if (!parsed.success)
      throw new StepError(`:${this.type} step: ${OK_EXIT_CODES_PROBLEM}`, {retryable: false, hint: 'Fix :ok-exit-codes in the step config, e.g. [0 3].'})
    return parsed.data
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
    return this.read(key, optional.texts)
  }

  /** A map of string → string (e.g. headers, env), keys and values stringified. */
  stringMap(key: string): Record<string, string> | undefined {
    return this.read(key, optional.textMap)
  }

  /** The SPEC §6 JSON view of a value (for bodies sent over the wire). */
  json(key: string): Json | undefined {
    const v = this.value(key)
    return v === undefined ? undefined : toJson(v)
  }
}

const OK_EXIT_CODES_PROBLEM = ':ok-exit-codes must be a non-empty vector of exit codes (integers 0–255), e.g. [0 3]'

/** The problem with an `:ok-exit-codes` value (a vector of integers 0–255), if any. */
export function okExitCodesProblem(v: Value): string | undefined {
  return exitCodes().safeParse(v).success ? undefined : OK_EXIT_CODES_PROBLEM
}
