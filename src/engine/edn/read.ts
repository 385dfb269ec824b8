/**
 * Reading EDN: the position pass (scan.ts) finds every syntax problem with its line and
 * column, then edn-data parses the text (SPEC §3) and its output becomes the value model.
 * Contract: readEdn(text, {file}) returns exactly one form as a Value, or throws
 * BreytaError('invalid_flow') with details.problems [{path, message, line, column}].
 */
import {parseEDNString} from 'edn-data'
import {invalidFlow, type Problem} from '../errors.js'
import {nodeAt, recordFormPositions, type Node, type PathSegment, type Position} from './positions.js'
import {scanEdn, type Edit} from './scan.js'
import {Keyword, List, Sym, Tagged, type Value} from './values.js'

export interface ReadOptions {
  /** Named in the error message and on every problem. */
  file?: string
  /** Flow code: `#(…)` reads as an anonymous function (scan.ts), and forms keep their positions for errors. */
  code?: boolean
}

export interface PositionedValue {
  value: Value
  /** Where the form at `path` starts (map keys by keyword name or string, sequence indexes). */
  positionOf(path: readonly PathSegment[]): Position | undefined
  /** The syntax tree of the form, for callers that want spans. */
  node: Node
}

const SPECIAL_NUMBERS: Record<string, number> = {Inf: Infinity, '-Inf': -Infinity, NaN: NaN}

/** edn-data's default output shapes ({key}, {sym}, {list}, {map: [[k v]]}, …) to Values. */
function convert(x: unknown): Value {
  if (x === null || x === undefined) return null
  if (typeof x !== 'object') return x as Value
  if (Array.isArray(x)) return x.map(convert)
  if (x instanceof Date) return x
  const o = x as Record<string, unknown>
  if ('key' in o) return Keyword.of(o.key as string)
  if ('sym' in o) return Sym.of(o.sym as string)
  if ('list' in o) return new List((o.list as unknown[]).map(convert))
  if ('map' in o) return convertMap(o.map as [unknown, unknown][])
  if ('set' in o) return new Set((o.set as unknown[]).map(convert))
  if ('char' in o) return o.char as string
  if ('tag' in o) return new Tagged(o.tag as string, convert(o.val))
  return null
}

function convertMap(pairs: [unknown, unknown][]): Map<Value, Value> {
  const m = new Map<Value, Value>()
  for (const [k, v] of pairs) m.set(convert(k), convert(v))
  return m
}

function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text
  // A stable sort keeps edits at the same offset in the order the scanner made them.
  const sorted = edits.map((e, n) => ({e, n})).sort((a, b) => a.e.at - b.e.at || a.n - b.n)
  let out = ''
  let from = 0
  for (const {e} of sorted) {
    out += text.slice(from, e.at) + e.insert
    from = e.at + e.remove
  }
  return out + text.slice(from)
}

/** Parse text the scanner found clean; the vector wrapper makes edn-data return every form. */
function parseForms(text: string, edits: Edit[]): Value[] {
  // The newline ends a trailing comment, which would otherwise swallow the closing ']'.
  const parsed = parseEDNString('[' + applyEdits(text, edits) + '\n]', {
    tagHandlers: {'breyta/number': (name) => SPECIAL_NUMBERS[name as string] ?? NaN},
  })
  return (parsed as unknown[]).map(convert)
}

function withFile(problems: Problem[], file: string | undefined): Problem[] {
  return file === undefined ? problems : problems.map((p) => ({...p, file}))
}

/** Read every top-level form (none for empty input); throws invalid_flow on syntax problems. */
export function readEdnForms(text: string, options: ReadOptions = {}): Value[] {
  const scan = scanEdn(text, {code: options.code})
  if (scan.problems.length > 0) throw invalidFlow(withFile(scan.problems, options.file), options.file)
  return scan.forms.length === 0 ? [] : parseForms(text, scan.edits)
}

/** Read exactly one form and keep a way to ask where any part of it was written. */
export function readEdnWithPositions(text: string, options: ReadOptions = {}): PositionedValue {
  const scan = scanEdn(text, {code: options.code})
  const problems = scan.problems
  const [first, second] = scan.forms
  if (first === undefined && problems.length === 0) problems.push({path: '', message: 'empty input: expected one EDN form', line: 1, column: 1})
  if (second !== undefined) {
    problems.push({path: '', message: 'unexpected form after the first one: the text must hold exactly one EDN form', line: second.line, column: second.column})
  }
  if (problems.length > 0) throw invalidFlow(withFile(problems, options.file), options.file)
  const root = first!
  const value = parseForms(text, scan.edits)[0] ?? null
  if (options.code === true) recordFormPositions(value, root, options.file)
  return {
    value,
    node: root,
    positionOf(path) {
      const n = nodeAt(root, path)
      return n === undefined ? undefined : {line: n.line, column: n.column}
    },
  }
}

/** Read exactly one EDN form as a Value; throws invalid_flow listing every syntax problem. */
export function readEdn(text: string, options: ReadOptions = {}): Value {
  return readEdnWithPositions(text, options).value
}
