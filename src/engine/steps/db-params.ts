/**
 * Query parameters for the `:db` step: EDN values → driver values, and named → positional
 * placeholders for PostgreSQL (pg only understands `$1`). Values are always bound, never
 * spliced into the SQL text.
 */
import {toJson} from '../edn/json.js'
import {isMap, Keyword, type Value} from '../edn/values.js'
import {StepError} from './types.js'

export type Params = {kind: 'none'} | {kind: 'positional'; values: Value[]} | {kind: 'named'; values: Map<string, Value>}

export function readParams(v: Value | undefined): Params {
  if (v === undefined || v === null) return {kind: 'none'}
  if (Array.isArray(v)) return {kind: 'positional', values: v}
  if (isMap(v)) {
    const values = new Map<string, Value>()
    for (const [k, val] of v) values.set(k instanceof Keyword ? k.name : String(k), val)
    return {kind: 'named', values}
  }
  throw new StepError(':db step: :params must be a vector (positional) or a map (named)', {retryable: false})
}

const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c)
const isIdent = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c)

/**
 * Where text that cannot hold a placeholder ends, if such text starts at `i`: a string literal
 * or quoted identifier, a comment, a dollar-quoted body, or a `::type` cast.
 */
function opaqueEnd(sql: string, i: number): number | undefined {
  const c = sql[i]
  const next = sql[i + 1]
  if (c === "'" || c === '"') return quotedEnd(sql, i, c)
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i)
    return end < 0 ? sql.length : end
  }
  if (c === '/' && next === '*') {
    const end = sql.indexOf('*/', i + 2)
    return end < 0 ? sql.length : end + 2
  }
  if (c === '$') {
    // $tag$ … $tag$ (dollar quoting); $1 passes through untouched; $name is a placeholder.
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))
    if (tag) {
      const end = sql.indexOf(tag[0], i + tag[0].length)
      return end < 0 ? sql.length : end + tag[0].length
    }
  }
  if (c === ':' && next === ':') return i + 2
  return undefined
}

/**
 * '…' and "…" with doubled-quote escapes; E'…' backslash escapes are covered because a
 * backslash-escaped quote is followed by more text up to the real closing quote.
 */
function quotedEnd(sql: string, i: number, quote: string): number {
  let j = i + 1
  while (j < sql.length) {
    if (sql[j] === '\\' && quote === "'" && /[eE]/.test(sql[i - 1] ?? '')) j += 2
    else if (sql[j] === quote && sql[j + 1] === quote) j += 2
    else if (sql[j] === quote) break
    else j++
  }
  return j + 1
}

/** A `:name` / `@name` / `$name` placeholder at `i`: its name and where it ends. */
function placeholderAt(sql: string, i: number): {name: string; end: number} | undefined {
  const c = sql[i]
  if ((c !== ':' && c !== '@' && c !== '$') || !isIdentStart(sql[i + 1]) || isIdent(sql[i - 1])) return undefined
  let j = i + 1
  while (j < sql.length && isIdent(sql[j])) j++
  // A trailing '-' is more likely an operator than part of a name.
  while (sql[j - 1] === '-') j--
  return {name: sql.slice(i + 1, j), end: j}
}

/**
 * Rewrite `:name` / `@name` / `$name` placeholders to `$1…$n` (a repeated name reuses its
 * number), skipping string literals, quoted identifiers, dollar-quoted bodies, comments and
 * `::type` casts, so that text inside them is never taken for a placeholder.
 */
export function namedToPositional(sql: string, values: Map<string, Value>): {text: string; values: Value[]} {
  const order: string[] = []
  let out = ''
  let i = 0
  while (i < sql.length) {
    const opaque = opaqueEnd(sql, i)
    if (opaque !== undefined) {
      out += sql.slice(i, opaque)
      i = opaque
      continue
    }
    const placeholder = placeholderAt(sql, i)
    if (placeholder === undefined) {
      out += sql[i]
      i++
      continue
    }
    const {name, end} = placeholder
    if (!values.has(name)) throw new StepError(`:db step: the query uses ${sql[i]}${name} but :params has no :${name}`, {retryable: false})
    if (!order.includes(name)) order.push(name)
    out += `$${order.indexOf(name) + 1}`
    i = end
  }
  return {text: out, values: order.map((name) => values.get(name) ?? null)}
}

/** EDN → a value better-sqlite3 can bind (it refuses booleans, objects and undefined). */
export function sqliteValue(v: Value): null | number | bigint | string | Buffer {
  if (v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (v instanceof Keyword) return v.name
  if (v instanceof Date) return v.toISOString()
  if (Buffer.isBuffer(v)) return v
  return JSON.stringify(toJson(v))
}

/** EDN → a value pg can bind: vectors stay arrays (for `= ANY($1)`), maps go as JSON text. */
export function pgValue(v: Value): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Keyword) return v.name
  if (v instanceof Date) return v
  if (Array.isArray(v)) return v.map(pgValue)
  return JSON.stringify(toJson(v))
}
