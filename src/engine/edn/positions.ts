/**
 * The syntax tree the position pass (scan.ts) builds: one node per form, with where it starts.
 * It mirrors the value edn-data produces (a quote `'x` is the list `(quote x)`), so a path
 * that walks a value also walks its nodes.
 */

export type NodeKind = 'map' | 'vector' | 'list' | 'set' | 'string' | 'atom' | 'char' | 'tagged'

export interface Position {
  line: number
  column: number
}

export interface Node extends Position {
  kind: NodeKind
  /** Offset of the first character, and one past the last. */
  start: number
  end: number
  /** atom: the raw token; string/char: the decoded text; tagged: the tag without `#`. */
  text: string
  children: Node[]
}

/** A step of a path into a value: a map key (keyword name or string) or a sequence index. */
export type PathSegment = string | number

/** The name a map key node answers to in a path: `:ns/k` → "ns/k", `"k"` → "k", `1` → "1". */
export function keyName(node: Node): string | undefined {
  if (node.kind === 'string') return node.text
  if (node.kind === 'atom') return node.text.startsWith(':') ? node.text.slice(1) : node.text
  return undefined
}

function mapValue(map: Node, segment: PathSegment): Node | undefined {
  const want = String(segment)
  const kids = map.children
  for (let i = 0; i + 1 < kids.length; i += 2) if (keyName(kids[i]!) === want) return kids[i + 1]
  return undefined
}

/** The node a path leads to, or undefined when the path leaves the tree. */
export function nodeAt(root: Node, path: readonly PathSegment[]): Node | undefined {
  let node: Node | undefined = root
  for (const segment of path) {
    if (node === undefined) return undefined
    if (node.kind === 'map') node = mapValue(node, segment)
    else if (node.kind === 'vector' || node.kind === 'list' || node.kind === 'set') node = typeof segment === 'number' ? node.children[segment] : undefined
    else return undefined
  }
  return node
}

/**
 * A key for EDN equality between nodes (used for duplicate keys and set members): `1` and
 * `1.0` and `1N` agree, a vector equals a list with the same items, maps and sets ignore order.
 */
export function canonical(node: Node): string {
  switch (node.kind) {
    case 'string':
    case 'char':
      return 's' + JSON.stringify(node.text)
    case 'atom':
      return canonicalAtom(node.text)
    case 'tagged':
      return '#' + node.text + ' ' + canonical(node.children[0]!)
    case 'vector':
    case 'list':
      return '(' + node.children.map(canonical).join(' ') + ')'
    case 'set':
      return '#{' + node.children.map(canonical).sort().join(' ') + '}'
    case 'map': {
      const pairs: string[] = []
      for (let i = 0; i + 1 < node.children.length; i += 2) pairs.push(canonical(node.children[i]!) + ' ' + canonical(node.children[i + 1]!))
      return '{' + pairs.sort().join(', ') + '}'
    }
  }
}

function canonicalAtom(text: string): string {
  if (/^[+-]?\d/.test(text)) {
    const n = Number(text.replace(/[NM]$/, ''))
    return Number.isNaN(n) ? text : 'n' + String(n)
  }
  return text
}

/** Where a code form was written: its file (when known), line and column. */
export interface SourcePosition extends Position {
  file?: string
}

/**
 * Positions of code forms by identity. Values are immutable and the interpreter evaluates
 * the very objects the reader made, so an error can name where its form was written.
 */
const FORM_POSITIONS = new WeakMap<object, SourcePosition>()

/** Remember the position of every list, vector, map and set in `value` (nodes mirror values). */
export function recordFormPositions(value: unknown, node: Node, file: string | undefined): void {
  if (typeof value !== 'object' || value === null) return
  // Collections only: keywords and symbols are interned, so one object stands for every use.
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value].flat() : value instanceof Set ? [...value] : (value as {items?: unknown}).items
  if (!Array.isArray(items)) return
  if (!FORM_POSITIONS.has(value))
    FORM_POSITIONS.set(value, file === undefined ? {line: node.line, column: node.column} : {file, line: node.line, column: node.column})
  items.forEach((item, i) => {
    const child = node.children[i]
    if (child !== undefined) recordFormPositions(item, child, file)
  })
}

/** Where `form` was written, when it was read as code. */
export function formPosition(form: unknown): SourcePosition | undefined {
  return typeof form === 'object' && form !== null ? FORM_POSITIONS.get(form) : undefined
}
