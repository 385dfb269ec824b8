/**
 * The deterministic EDN writer for files breyta commits (config.edn, connections.edn,
 * release.edn, flows). The same value always gives the same bytes, so re-running a command
 * that changes nothing leaves no git diff (SPEC §2).
 *
 * Layout: a form that fits in the line (100 columns) prints on one line; a map that does not
 * prints one entry per line with its values aligned in a column; a vector, list or set that
 * does not prints one item per line under its first item. Scalars print as printEdn does.
 */
import {printEdn} from './print.js'
import {List, type Value} from './values.js'

export interface WriteOptions {
  /** Sort map keys and set members by their printed form instead of keeping insertion order. */
  sortKeys?: boolean
  /** Line width to fit forms in (default 100). */
  width?: number
}

interface Layout {
  sortKeys: boolean
  width: number
}

/** Keys longer than this are not aligned, so one long key does not push every value right. */
const MAX_ALIGN = 24

function isCollection(v: Value): v is Value[] | List | Map<Value, Value> | Set<Value> {
  return Array.isArray(v) || v instanceof List || v instanceof Map || v instanceof Set
}

function entries(m: Map<Value, Value>, layout: Layout): [string, Value][] {
  const out: [string, Value][] = [...m].map(([k, v]) => [flat(k, layout), v])
  if (layout.sortKeys) out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return out
}

function items(v: Value[] | List | Set<Value>, layout: Layout): Value[] {
  if (Array.isArray(v)) return v
  if (v instanceof List) return v.items
  const members = [...v]
  if (!layout.sortKeys) return members
  return members
    .map((m) => [flat(m, layout), m] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, m]) => m)
}

function brackets(v: Value[] | List | Set<Value>): [string, string] {
  if (Array.isArray(v)) return ['[', ']']
  if (v instanceof List) return ['(', ')']
  return ['#{', '}']
}

/** The one-line form (unlike printEdn, map entries are separated by spaces, not commas). */
function flat(v: Value, layout: Layout): string {
  if (!isCollection(v)) return printEdn(v)
  if (v instanceof Map)
    return (
      '{' +
      entries(v, layout)
        .map(([k, val]) => k + ' ' + flat(val, layout))
        .join(' ') +
      '}'
    )
  const [open, close] = brackets(v)
  return (
    open +
    items(v, layout)
      .map((x) => flat(x, layout))
      .join(' ') +
    close
  )
}

/** Print `v` starting at column `col` (0-based); continuation lines are indented to fit. */
function layoutValue(v: Value, col: number, layout: Layout): string {
  const one = flat(v, layout)
  if (!isCollection(v) || col + one.length <= layout.width) return one
  if (v instanceof Map) return layoutMap(v, col, layout)
  return layoutSeq(v, col, layout)
}

function layoutMap(m: Map<Value, Value>, col: number, layout: Layout): string {
  const es = entries(m, layout)
  const longest = Math.max(...es.map(([k]) => k.length))
  const align = longest <= MAX_ALIGN
  const pad = ' '.repeat(col + 1)
  const lines = es.map(([k, val]) => {
    const key = align ? k.padEnd(longest) : k
    return key + ' ' + layoutValue(val, col + 1 + key.length + 1, layout)
  })
  return '{' + lines.join('\n' + pad) + '}'
}

function layoutSeq(v: Value[] | List | Set<Value>, col: number, layout: Layout): string {
  const [open, close] = brackets(v)
  const inner = col + open.length
  const pad = ' '.repeat(inner)
  return (
    open +
    items(v, layout)
      .map((x) => layoutValue(x, inner, layout))
      .join('\n' + pad) +
    close
  )
}

/** Write a value as EDN text for a committed file: deterministic, readable, newline-terminated. */
export function writeEdn(value: Value, options: WriteOptions = {}): string {
  const layout: Layout = {sortKeys: options.sortKeys ?? false, width: options.width ?? 100}
  return layoutValue(value, 0, layout) + '\n'
}
