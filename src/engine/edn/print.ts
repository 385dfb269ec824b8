/** `pr-str`: a value as one line of EDN. Used by `str` on collections, logs and human output. */
import {isCallable, Keyword, List, Sym, Tagged, type Value} from './values.js'

const ESCAPES: Record<string, string> = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r'}

export function printString(s: string): string {
  return '"' + s.replace(/["\\\n\t\r]/g, (c) => ESCAPES[c]!) + '"'
}

export function printEdn(v: Value | undefined): string {
  if (v === null || v === undefined) return 'nil'
  switch (typeof v) {
    case 'boolean':
      return String(v)
    case 'number':
      return printNumber(v)
    case 'bigint':
      return `${v}N`
    case 'string':
      return printString(v)
    default:
      return printObject(v)
  }
}

function printNumber(v: number): string {
  if (Number.isNaN(v)) return '##NaN'
  if (!Number.isFinite(v)) return v > 0 ? '##Inf' : '##-Inf'
  return String(v)
}

/** `printEdn` of the values that are objects: keywords, symbols, collections, dates, tagged values, functions. */
function printObject(v: Value): string {
  if (v instanceof Keyword) return ':' + v.name
  if (v instanceof Sym) return v.name
  if (Array.isArray(v)) return '[' + v.map(printEdn).join(' ') + ']'
  if (v instanceof List) return '(' + v.items.map(printEdn).join(' ') + ')'
  if (v instanceof Set) return '#{' + [...v].map(printEdn).join(' ') + '}'
  if (v instanceof Map) return '{' + [...v].map(([k, val]) => `${printEdn(k)} ${printEdn(val)}`).join(', ') + '}'
  if (v instanceof Date) return `#inst ${printString(v.toISOString())}`
  if (v instanceof Tagged) return `#${v.tag} ${printEdn(v.value)}`
  if (isCallable(v)) return `#function[${v.name ?? 'fn'}]`
  return 'nil'
}
