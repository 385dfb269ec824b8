/**
 * TEMPORARY reader over edn-data without positions; replaced by the position-tracking reader.
 * Contract: readEdn(text, {file}) returns exactly one form as a Value, or throws
 * BreytaError('invalid_flow') with details.problems [{path, message, line, column}].
 */
import {parseEDNString} from 'edn-data'
import {invalidFlow} from '../errors.js'
import {Keyword, List, Sym, Tagged, type Value} from './values.js'

function convert(x: unknown): Value {
  if (x === null || x === undefined) return null
  if (typeof x !== 'object') return x as Value
  if (x instanceof Date) return x
  if (Array.isArray(x)) return x.map(convert)
  const o = x as Record<string, unknown>
  if ('key' in o) return Keyword.of(String(o.key))
  if ('sym' in o) return Sym.of(String(o.sym))
  if ('list' in o) return new List((o.list as unknown[]).map(convert))
  if ('set' in o) return new Set((o.set as unknown[]).map(convert))
  if ('map' in o) return new Map((o.map as [unknown, unknown][]).map(([k, v]) => [convert(k), convert(v)]))
  if ('char' in o) return String(o.char)
  if ('tag' in o) return new Tagged(String(o.tag), convert(o.val))
  return null
}

export function readEdn(text: string, options: {file?: string} = {}): Value {
  const parsed = parseEDNString(text) as unknown
  if (parsed === null && text.trim() !== 'nil') throw invalidFlow([{path: '', message: 'malformed EDN', line: 1, column: 1}], options.file)
  return convert(parsed)
}
