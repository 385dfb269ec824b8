/**
 * The position pass: one walk over EDN text that builds a syntax tree with line/column for
 * every form and reports what edn-data silently accepts or gets wrong (edn-data gives no
 * positions, returns null for unterminated input, drops odd map entries and trailing forms).
 *
 * It also lists the few rewrites edn-data needs to read the text the way EDN means it
 * (`'x` → `(quote x)`, `\(` → `\u0028`, `##Inf`, integers past 2^53 → `N`); read.ts applies
 * them before handing the text to edn-data.
 */
import {MAX_NESTING} from './depth.js'
import type {Problem} from '../errors.js'
import {canonical, type Node, type NodeKind} from './positions.js'

/** Replace `remove` characters at offset `at` with `insert`. */
export interface Edit {
  at: number
  remove: number
  insert: string
}

export interface ScanResult {
  /** The top-level forms, in order. */
  forms: Node[]
  problems: Problem[]
  edits: Edit[]
}

/** A reader macro waiting for the form it applies to. */
interface Prefix {
  kind: 'quote' | 'tag' | 'discard'
  start: number
  line: number
  column: number
  tag: string
}

interface Frame {
  node: Node
  opener: string
  closer: string
  prefixes: Prefix[]
  /** `#(…)`, read as code (see fnLiteral). */
  fnLiteral?: boolean
}

export interface ScanOptions {
  /**
   * The text is flow code (a flow file, a `:functions` entry): `#(…)` reads as Clojure's
   * anonymous function. It is not EDN, so every other reader rejects it.
   */
  code?: boolean
}

const FN_ARG = /^%(&|[1-9][0-9]*)?$/

const NO_CHILDREN: Node[] = []
const INT = /^[-+]?(0|[1-9][0-9]*)$/
const BIGINT = /^[-+]?(0|[1-9][0-9]*)N$/
const FLOAT = /^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?M?$/
const TAG = /^[A-Za-z][A-Za-z0-9.*+!\-_?$%&=<>/:]*$/
const HEX4 = /^[0-9a-fA-F]{4}$/
const STRING_ESCAPES: Record<string, string> = {t: '\t', r: '\r', n: '\n', b: '\b', f: '\f', '\\': '\\', '"': '"'}
const NAMED_CHARS: Record<string, string> = {newline: '\n', return: '\r', space: ' ', tab: '\t', formfeed: '\f', backspace: '\b'}
const SPECIAL_NUMBERS = new Set(['##Inf', '##-Inf', '##NaN'])
const NOT_EDN: Record<string, string> = {
  '^': "metadata ('^') is not EDN",
  '@': "deref ('@') is not EDN",
  '`': "syntax quote ('`') is not EDN; use '",
  '~': "unquote ('~') is not EDN",
}

/** Characters that end a token. */
function isDelimiter(c: number): boolean {
  // space \t \n \r \f , " ; ( ) [ ] { }
  return (
    c === 32 ||
    c === 9 ||
    c === 10 ||
    c === 13 ||
    c === 12 ||
    c === 44 ||
    c === 34 ||
    c === 59 ||
    c === 40 ||
    c === 41 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125
  )
}

function preview(text: string): string {
  return text.length > 40 ? text.slice(0, 37) + '...' : text
}

class Scanner {
  private i = 0
  private unterminatedString = false
  private abandoned = false
  private line = 1
  private lineStart = 0
  private readonly stack: Frame[]
  readonly problems: Problem[] = []
  readonly edits: Edit[] = []
  readonly root: Node

  constructor(
    private readonly text: string,
    private readonly options: ScanOptions = {},
  ) {
    this.root = {kind: 'list', start: 0, end: text.length, line: 1, column: 1, text: '', children: []}
    this.stack = [{node: this.root, opener: '', closer: '', prefixes: []}]
  }

  private column(at: number): number {
    return at - this.lineStart + 1
  }

  private problem(line: number, column: number, message: string): void {
    this.problems.push({path: '', message, line, column})
  }

  private problemHere(at: number, message: string): void {
    this.problem(this.line, this.column(at), message)
  }

  private newline(at: number): void {
    this.line++
    this.lineStart = at + 1
  }

  run(): void {
    const t = this.text
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i)
      if (c === 10) {
        this.newline(this.i)
        this.i++
      } else if (c === 32 || c === 44 || c === 9 || c === 13 || c === 12) this.i++
      else if (c === 59) this.skipComment()
      else this.form(t[this.i]!)
    }
    if (!this.abandoned) this.finishInput()
  }

  private form(ch: string): void {
    switch (ch) {
      case '(':
        return this.open('list', '(', ')', 1)
      case '[':
        return this.open('vector', '[', ']', 1)
      case '{':
        return this.open('map', '{', '}', 1)
      case ')':
      case ']':
      case '}':
        return this.close(ch)
      case '"':
        return this.string()
      case '#':
        return this.dispatch()
      case "'":
        this.prefix('quote', '')
        this.i++
        return
      case '\\':
        return this.char()
      default:
        if (ch in NOT_EDN) return this.unsupported(NOT_EDN[ch]!)
        return this.token()
    }
  }

  private skipComment(): void {
    const end = this.text.indexOf('\n', this.i)
    this.i = end === -1 ? this.text.length : end
  }

  private prefix(kind: Prefix['kind'], tag: string): void {
    this.top().prefixes.push({kind, tag, start: this.i, line: this.line, column: this.column(this.i)})
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!
  }

  private node(kind: NodeKind, start: number, end: number, text: string, children: Node[] = NO_CHILDREN): Node {
    return {kind, start, end, line: this.line, column: this.column(start), text, children}
  }

  private open(kind: NodeKind, opener: string, closer: string, length: number): void {
    if (this.stack.length > MAX_NESTING) {
      // Deeper than anything a reader downstream can recurse through: stop here, one problem.
      this.problemHere(this.i, `nested deeper than ${MAX_NESTING} levels`)
      this.abandoned = true
      this.i = this.text.length
      return
    }
    const node = this.node(kind, this.i, -1, '', [])
    this.stack.push({node, opener, closer, prefixes: []})
    this.i += length
  }

  private close(ch: string): void {
    const at = this.i
    this.i++
    const top = this.top()
    if (top.closer === ch) return this.finish(top, at)
    let target = this.stack.length - 1
    while (target > 0 && this.stack[target]!.closer !== ch) target--
    if (this.stack.length === 1) return this.problemHere(at, `unexpected '${ch}': nothing is open to close`)
    this.problemHere(at, `'${ch}' does not close '${top.opener}' opened at ${top.node.line}:${top.node.column}`)
    if (target === 0) return
    // Recover by closing everything up to the matching opener, so later problems still show.
    while (this.stack.length - 1 > target) this.finish(this.top(), at, true)
    this.finish(this.top(), at)
  }

  private finish(frame: Frame, at: number, broken = false): void {
    this.stack.pop()
    this.reportDanglingPrefixes(frame)
    frame.node.end = broken ? at : at + 1
    if (!broken) this.checkCollection(frame.node)
    this.emit(frame.fnLiteral === true && !broken ? this.fnLiteral(frame.node, at) : frame.node)
  }

  /**
   * `#(f % %2 %&)` → `(fn [%1 %2 & %&] (f %1 %2 %&))`, as Clojure expands it: the highest
   * `%n` sets the arity, `%` is `%1`. The nodes mirror the expansion (the `fn` and parameter
   * nodes sit at the `#(`), so paths into the value still find their node.
   */
  private fnLiteral(body: Node, close: number): Node {
    let max = 0
    let rest = false
    const visit = (n: Node): void => {
      if (n.kind === 'atom' && FN_ARG.test(n.text)) {
        if (n.text === '%&') rest = true
        else if (n.text === '%') {
          max = Math.max(max, 1)
          this.edits.push({at: n.start, remove: 1, insert: '%1'})
          n.text = '%1'
        } else max = Math.max(max, Number(n.text.slice(1)))
      }
      n.children.forEach(visit)
    }
    body.children.forEach(visit)
    const names = Array.from({length: max}, (_, i) => `%${i + 1}`).concat(rest ? ['&', '%&'] : [])
    this.edits.push({at: body.start, remove: 2, insert: `(fn [${names.join(' ')}] (`}, {at: close + 1, remove: 0, insert: ')'})
    const at = {start: body.start, end: body.start + 2, line: body.line, column: body.column}
    const atom = (text: string): Node => ({kind: 'atom', ...at, text, children: NO_CHILDREN})
    const params: Node = {kind: 'vector', ...at, text: '', children: names.map(atom)}
    return {kind: 'list', start: body.start, end: body.end, line: body.line, column: body.column, text: '', children: [atom('fn'), params, body]}
  }

  private checkCollection(node: Node): void {
    if (node.kind === 'map') this.checkMap(node)
    else if (node.kind === 'set')
      this.checkDistinct(node.children, (n, first) => `duplicate set member ${preview(this.source(n))} (first at ${first.line}:${first.column})`)
  }

  private checkMap(node: Node): void {
    const kids = node.children
    if (kids.length % 2 === 1) {
      const key = kids[kids.length - 1]!
      this.problem(
        key.line,
        key.column,
        `map key ${preview(this.source(key))} has no value (odd number of forms in the map opened at ${node.line}:${node.column})`,
      )
    }
    const keys: Node[] = []
    for (let k = 0; k + 1 < kids.length; k += 2) keys.push(kids[k]!)
    this.checkDistinct(keys, (n, first) => `duplicate map key ${preview(this.source(n))} (first at ${first.line}:${first.column})`)
  }

  private checkDistinct(nodes: Node[], message: (dup: Node, first: Node) => string): void {
    if (nodes.length < 2) return
    const seen = new Map<string, Node>()
    for (const n of nodes) {
      const key = canonical(n)
      const first = seen.get(key)
      if (first === undefined) seen.set(key, n)
      else this.problem(n.line, n.column, message(n, first))
    }
  }

  private source(node: Node): string {
    return this.text.slice(node.start, node.end)
  }

  /** Hand a finished form to its container, applying any reader macros waiting for it. */
  private emit(form: Node): void {
    const frame = this.top()
    let node = form
    while (frame.prefixes.length > 0) {
      const p = frame.prefixes.pop()!
      if (p.kind === 'discard') return
      node = p.kind === 'quote' ? this.quote(p, node) : this.tagged(p, node)
    }
    frame.node.children.push(node)
  }

  private quote(p: Prefix, form: Node): Node {
    this.edits.push({at: p.start, remove: 1, insert: '(quote '}, {at: form.end, remove: 0, insert: ')'})
    const symbol: Node = {kind: 'atom', start: p.start, end: p.start + 1, line: p.line, column: p.column, text: 'quote', children: NO_CHILDREN}
    return {kind: 'list', start: p.start, end: form.end, line: p.line, column: p.column, text: '', children: [symbol, form]}
  }

  private tagged(p: Prefix, form: Node): Node {
    if (p.tag === 'inst' && (form.kind !== 'string' || Number.isNaN(new Date(form.text).getTime()))) {
      this.problem(form.line, form.column, `#inst needs a date-time string like "2024-01-31T09:00:00Z", got ${preview(this.source(form))}`)
    }
    return {kind: 'tagged', start: p.start, end: form.end, line: p.line, column: p.column, text: p.tag, children: [form]}
  }

  private reportDanglingPrefixes(frame: Frame): void {
    for (const p of frame.prefixes) {
      const what = p.kind === 'discard' ? "'#_'" : p.kind === 'quote' ? "quote (')" : `tag #${p.tag}`
      this.problem(p.line, p.column, `${what} is not followed by a form`)
    }
    frame.prefixes.length = 0
  }

  /**
   * At the end of the input, report the innermost unclosed collection (the one to fix first;
   * the enclosing ones are counted in its message). After an unterminated string the
   * collections around it are unclosed only because the string swallowed the rest.
   */
  private finishInput(): void {
    const open = this.stack.length - 1
    const frame = this.top()
    if (open > 0 && !this.unterminatedString) {
      const n = frame.node
      const outer = open > 1 ? ` (inside ${open - 1} more unclosed collection${open > 2 ? 's' : ''})` : ''
      this.problem(n.line, n.column, `unclosed '${frame.opener}': no matching '${frame.closer}' before the end of the input${outer}`)
    }
    if (open === 0) this.reportDanglingPrefixes(frame)
  }

  private string(): void {
    const t = this.text
    const start = this.i
    const line = this.line
    const column = this.column(start)
    let out = ''
    let segment = start + 1
    let j = start + 1
    while (j < t.length) {
      const c = t.charCodeAt(j)
      if (c === 34) break
      if (c === 10) this.newline(j)
      if (c !== 92) {
        j++
        continue
      }
      out += t.slice(segment, j)
      j = this.escape(j, (s) => (out += s))
      segment = j
    }
    if (j >= t.length) {
      this.problem(line, column, "unterminated string: no closing '\"' before the end of the input")
      this.unterminatedString = true
      this.i = t.length
      return
    }
    this.i = j + 1
    this.emit({kind: 'string', start, end: j + 1, line, column, text: out + t.slice(segment, j), children: NO_CHILDREN})
  }

  /** Decode the escape at `at` (a backslash inside a string); returns the offset after it. */
  private escape(at: number, append: (s: string) => void): number {
    const t = this.text
    const e = t[at + 1]
    if (e === undefined) return at + 1
    if (e in STRING_ESCAPES) {
      append(STRING_ESCAPES[e]!)
      return at + 2
    }
    if (e === 'u' && HEX4.test(t.slice(at + 2, at + 6))) {
      append(String.fromCharCode(parseInt(t.slice(at + 2, at + 6), 16)))
      return at + 6
    }
    this.problemHere(
      at,
      e === 'u' ? `invalid unicode escape '\\u${t.slice(at + 2, at + 6)}' in string (needs 4 hex digits)` : `invalid escape '\\${e}' in string`,
    )
    if (e === '\n') this.newline(at + 1)
    return at + 2
  }

  /** Offset of the end of the token starting at `from` (the first delimiter after it). */
  private tokenEnd(from: number): number {
    const t = this.text
    let j = from
    while (j < t.length && !isDelimiter(t.charCodeAt(j))) j++
    return j
  }

  private token(): void {
    const start = this.i
    const end = this.tokenEnd(start)
    const text = this.text.slice(start, end)
    this.i = end
    if (!this.checkToken(start, text)) return
    this.emit(this.node('atom', start, end, text))
  }

  private checkToken(start: number, text: string): boolean {
    const c = text.charCodeAt(0)
    const signed = c === 43 || c === 45
    const d = signed ? text.charCodeAt(1) : c
    if (d >= 48 && d <= 57) return this.checkNumber(start, text)
    if (c === 58) return this.checkKeyword(start, text)
    return true
  }

  private checkNumber(start: number, text: string): boolean {
    if (INT.test(text)) {
      // edn-data reads integers as doubles; past 2^53 that silently changes the number.
      if (!Number.isSafeInteger(Number(text))) this.edits.push({at: start + text.length, remove: 0, insert: 'N'})
      return true
    }
    if (BIGINT.test(text) || FLOAT.test(text)) return true
    this.problemHere(start, `invalid number '${preview(text)}'`)
    return false
  }

  private checkKeyword(start: number, text: string): boolean {
    let message: string | undefined
    if (text === ':') message = "a keyword needs a name after ':'"
    else if (text.startsWith('::')) message = `auto-resolved keyword '${preview(text)}' is not EDN`
    else if (text.endsWith('/') && text !== ':/') message = `invalid keyword '${preview(text)}'`
    if (message === undefined) return true
    this.problemHere(start, message)
    return false
  }

  private char(): void {
    const t = this.text
    const start = this.i
    if (start + 1 >= t.length) {
      this.problemHere(start, 'a character literal needs a character after \\')
      this.i = t.length
      return
    }
    const end = this.tokenEnd(start + 2)
    const name = t.slice(start + 1, end)
    this.i = end
    const value =
      name.length === 1 ? name : (NAMED_CHARS[name] ?? (/^u[0-9a-fA-F]{4}$/.test(name) ? String.fromCharCode(parseInt(name.slice(1), 16)) : undefined))
    if (value === undefined) return this.problemHere(start, `invalid character literal '\\${preview(name)}'`)
    // edn-data reads delimiters and some names after '\' wrongly; \uXXXX it reads right.
    if (!/^[A-Za-z0-9]$/.test(name) && !/^u[0-9a-fA-F]{4}$/.test(name)) {
      this.edits.push({at: start, remove: end - start, insert: '\\u' + value.charCodeAt(0).toString(16).padStart(4, '0')})
    }
    this.emit(this.node('char', start, end, value))
  }

  private dispatch(): void {
    const t = this.text
    const start = this.i
    const next = t[start + 1]
    if (next === '{') return this.open('set', '#{', '}', 2)
    if (next === '_') {
      this.prefix('discard', '')
      this.i += 2
      return
    }
    if (next === '#') return this.specialNumber()
    if (next === '(') {
      if (this.options.code !== true) this.problemHere(start, "'#(...)' anonymous functions are not EDN; write (fn [x] ...)")
      else if (this.stack.some((f) => f.fnLiteral === true))
        this.problemHere(start, "'#(...)' cannot be nested in another '#(...)'; write (fn [x] ...) for one of them")
      this.open('list', '#(', ')', 2)
      this.top().fnLiteral = this.options.code === true
      return
    }
    if (next === '"') {
      this.problemHere(start, 'regular expressions (\'#"..."\') are not EDN')
      this.i++
      return this.string()
    }
    const end = this.tokenEnd(start + 1)
    const tag = t.slice(start + 1, end)
    if (!TAG.test(tag)) {
      this.problemHere(start, tag === '' ? "'#' must be followed by a tag, '{' or '_'" : `invalid tag '#${preview(tag)}'`)
      this.i = Math.max(end, start + 1)
      return
    }
    this.prefix('tag', tag)
    this.i = end
  }

  private specialNumber(): void {
    const start = this.i
    const end = this.tokenEnd(start)
    const text = this.text.slice(start, end)
    this.i = end
    if (!SPECIAL_NUMBERS.has(text)) return this.problemHere(start, `invalid token '${preview(text)}' (expected ##Inf, ##-Inf or ##NaN)`)
    this.edits.push({at: start, remove: end - start, insert: `#breyta/number "${text.slice(2)}"`})
    this.emit(this.node('atom', start, end, text))
  }

  private unsupported(message: string): void {
    this.problemHere(this.i, message)
    this.i = Math.max(this.tokenEnd(this.i + 1), this.i + 1)
  }
}

/** Scan EDN text: its forms with positions, every syntax problem found, and edn-data rewrites. */
export function scanEdn(text: string, options: ScanOptions = {}): ScanResult {
  const scanner = new Scanner(text, options)
  scanner.run()
  const problems = scanner.problems.sort((a, b) => a.line! - b.line! || a.column! - b.column!)
  return {forms: scanner.root.children, problems, edits: scanner.edits}
}
