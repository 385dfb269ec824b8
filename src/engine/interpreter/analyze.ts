/**
 * Resolving before running: one walk over a form that knows which forms bind names (let,
 * loop, fn, for, …, with destructuring) and reports every symbol that is neither a local,
 * a built-in nor a special form, where it is. A typo in a branch that does not run is then
 * found by `flows validate` and before the run starts, not on the day the branch runs.
 *
 * Quoted forms and `case` test constants are data, so they are not resolved.
 */
import {Keyword, List, Sym, type Value} from '../edn/values.js'
import type {PathSegment} from '../edn/positions.js'
import {GLOBALS, SPECIAL, UNSUPPORTED_FORMS, UNSUPPORTED_MESSAGE} from './builtins.js'
import {editDistance} from '../suggest.js'

export interface Unbound {
  /** Path of the symbol inside the analysed form (list/vector indexes, map keys by name). */
  path: PathSegment[]
  name: string
  /** "unknown symbol 'x'" or "unknown function 'x'", with a did-you-mean when one is close. */
  message: string
}

const UNSUPPORTED: ReadonlySet<string> = new Set(UNSUPPORTED_FORMS)

type Scope = ReadonlySet<Sym>

const AMP = Sym.of('&')
const AS = Keyword.of('as')
const OR = Keyword.of('or')
const NAME_LISTS = new Set([Keyword.of('keys'), Keyword.of('strs'), Keyword.of('syms')])
const FOR_LET = Keyword.of('let')

/**
 * Top-level forms already found to resolve (no locals). Values are immutable, so a form that
 * resolved once always will: validation (parseFlow) and the interpreter's own check before it
 * runs the same body then walk it once, not once each per advance.
 */
const resolvedForms = new WeakSet<object>()
const NO_LOCALS: readonly Sym[] = []

/** Every unbound symbol and unknown function in `form`, in reading order. */
export function analyze(form: Value, locals: Iterable<Sym> = NO_LOCALS): Unbound[] {
  const top = locals === NO_LOCALS && typeof form === 'object' && form !== null
  if (top && resolvedForms.has(form)) return []
  const out: Unbound[] = []
  new Analyzer(out).expr(form, new Set(locals), [])
  if (top && out.length === 0) resolvedForms.add(form)
  return out
}

/** The symbols a binding pattern binds, and the `:or` default expressions to analyse. */
function patternNames(pattern: Value, names: Sym[], defaults: [Value, PathSegment[]][], at: PathSegment[]): void {
  if (pattern instanceof Sym) {
    if (pattern !== AMP) names.push(pattern)
  } else if (Array.isArray(pattern)) {
    pattern.forEach((p, i) => {
      if (p !== AS) patternNames(p, names, defaults, [...at, i])
    })
  } else if (pattern instanceof Map) {
    mapPatternNames(pattern, names, defaults, at)
  }
}

/** `{:keys [a b] :as m :or {a 1} [c] :c}`: each entry of a map pattern. */
function mapPatternNames(pattern: Map<Value, Value>, names: Sym[], defaults: [Value, PathSegment[]][], at: PathSegment[]): void {
  for (const [k, v] of pattern) {
    if (k instanceof Keyword && NAME_LISTS.has(k) && Array.isArray(v)) names.push(...nameListNames(v))
    else if (k === AS) {
      if (v instanceof Sym) names.push(v)
    } else if (k === OR) {
      if (v instanceof Map) for (const [name, d] of v) defaults.push([d, [...at, 'or', name instanceof Sym ? name.name : String(name)]])
    } else patternNames(k, names, defaults, at)
  }
}

/** The locals of `:keys [a ns/b]` (and :strs, :syms): a namespaced name binds its last part. */
function nameListNames(list: Value[]): Sym[] {
  const names: Sym[] = []
  for (const n of list) if (n instanceof Sym || n instanceof Keyword) names.push(Sym.of(n.name.includes('/') ? n.name.slice(n.name.indexOf('/') + 1) : n.name))
  return names
}

class Analyzer {
  constructor(private readonly out: Unbound[]) {}

  expr(form: Value, scope: Scope, at: PathSegment[]): void {
    if (form instanceof Sym) return this.symbol(form, scope, at, false)
    if (form instanceof List) return this.list(form, scope, at)
    if (Array.isArray(form)) return form.forEach((x, i) => this.expr(x, scope, [...at, i]))
    if (form instanceof Set) return [...form].forEach((x, i) => this.expr(x, scope, [...at, i]))
    if (form instanceof Map) {
      for (const [k, v] of form) {
        this.expr(k, scope, at)
        const key = k instanceof Keyword ? k.name : typeof k === 'string' ? k : undefined
        this.expr(v, scope, key === undefined ? at : [...at, key])
      }
    }
  }

  private symbol(s: Sym, scope: Scope, at: PathSegment[], called: boolean): void {
    if (scope.has(s) || GLOBALS.has(s)) return
    if (SPECIAL.has(s) && called) return
    const what = SPECIAL.has(s) ? `${s.name} is a special form and cannot be used as a value` : `unknown ${called ? 'function' : 'symbol'} '${s.name}'`
    const hint = SPECIAL.has(s) ? '' : didYouMean(s.name, scope)
    this.out.push({path: at, name: s.name, message: what + hint})
  }

  private body(forms: readonly Value[], from: number, scope: Scope, at: PathSegment[]): void {
    for (let i = from; i < forms.length; i++) this.expr(forms[i]!, scope, [...at, i])
  }

  /** Bind `pattern` (analysing its :or defaults) and return the scope after it. */
  private bind(pattern: Value, scope: Scope, at: PathSegment[]): Set<Sym> {
    const names: Sym[] = []
    const defaults: [Value, PathSegment[]][] = []
    patternNames(pattern, names, defaults, at)
    const next = new Set(scope)
    for (const n of names) next.add(n)
    for (const [d, p] of defaults) this.expr(d, next, p)
    return next
  }

  /** `[p1 e1 p2 e2 …]`: each expression sees the names bound before it. */
  private bindings(b: Value | undefined, scope: Scope, at: PathSegment[]): Scope {
    if (!Array.isArray(b)) return scope
    let s: Scope = scope
    // An odd vector is the form's own syntax error; its last name still counts as bound.
    for (let i = 0; i < b.length; i += 2) {
      if (i + 1 < b.length) this.expr(b[i + 1]!, s, [...at, i + 1])
      s = this.bind(b[i]!, s, [...at, i])
    }
    return s
  }

  private list(form: List, scope: Scope, at: PathSegment[]): void {
    const items = form.items
    const head = items[0]
    if (!(head instanceof Sym) || scope.has(head) || !SPECIAL.has(head)) {
      if (head instanceof Sym) this.symbol(head, scope, [...at, 0], true)
      else if (head !== undefined) this.expr(head, scope, [...at, 0])
      return this.body(items, 1, scope, at)
    }
    this.special(head.name, form, scope, at)
  }

  /** A special form: the ones that bind names or hold data are walked by their own shape. */
  private special(name: string, form: List, scope: Scope, at: PathSegment[]): void {
    const items = form.items
    switch (name) {
      case 'quote':
        return
      case 'let':
      case 'loop':
        return this.body(items, 2, this.bindings(items[1], scope, [...at, 1]), at)
      case 'if-let':
      case 'when-let':
      case 'if-some':
      case 'when-some':
      case 'when-first':
        return this.conditionalBinding(name, items, scope, at)
      case 'fn':
        return this.fn(form, scope, at)
      case 'case':
        return this.caseForm(items, scope, at)
      case 'as->':
        return this.asThread(items, scope, at)
      case 'for':
      case 'doseq':
        return this.body(items, 2, this.comprehension(items[1], scope, [...at, 1]), at)
      default:
        return this.otherSpecial(name, items, scope, at)
    }
  }

  /** `(if-let [x e] then else)` and kin: the name is bound in `then` only, in the rest too for the `when-` forms. */
  private conditionalBinding(name: string, items: readonly Value[], scope: Scope, at: PathSegment[]): void {
    const b = items[1]
    if (!Array.isArray(b)) return this.body(items, 2, scope, at)
    if (b[1] !== undefined) this.expr(b[1], scope, [...at, 1, 1])
    const inner = b[0] === undefined ? scope : this.bind(b[0], scope, [...at, 1, 0])
    this.expr(items[2] ?? null, inner, [...at, 2])
    if (name === 'if-let' || name === 'if-some') this.body(items, 3, scope, at)
    else this.body(items, 3, inner, at)
  }

  /** `(case e test result … default)`: the tests are constants, not resolved. */
  private caseForm(items: readonly Value[], scope: Scope, at: PathSegment[]): void {
    this.expr(items[1] ?? null, scope, [...at, 1])
    let i = 2
    for (; i + 1 < items.length; i += 2) this.expr(items[i + 1]!, scope, [...at, i + 1])
    if (i < items.length) this.expr(items[i]!, scope, [...at, i])
  }

  /** `(as-> e name form …)`: the forms see `name`. */
  private asThread(items: readonly Value[], scope: Scope, at: PathSegment[]): void {
    this.expr(items[1] ?? null, scope, [...at, 1])
    const inner = items[2] instanceof Sym ? new Set([...scope, items[2]]) : scope
    this.body(items, 3, inner, at)
  }

  /** Any other special form: an unsupported one is reported, the rest are walked like calls. */
  private otherSpecial(name: string, items: readonly Value[], scope: Scope, at: PathSegment[]): void {
    if (UNSUPPORTED.has(name)) {
      this.out.push({path: [...at, 0], name, message: `${name}: ${UNSUPPORTED_MESSAGE}`})
      return
    }
    this.body(items, 1, scope, at)
  }

  private fn(form: List, scope: Scope, at: PathSegment[]): void {
    const items = form.items
    let i = 1
    let s: Scope = scope
    if (items[1] instanceof Sym) {
      s = new Set([...scope, items[1]])
      i = 2
    }
    const arity = (params: Value, body: readonly Value[], from: number, where: PathSegment[], paramsAt: PathSegment[]): void => {
      const inner = this.bind(params, s, paramsAt)
      for (let k = from; k < body.length; k++) this.expr(body[k]!, inner, [...where, k])
    }
    if (Array.isArray(items[i])) return arity(items[i]!, items, i + 1, at, [...at, i])
    for (let k = i; k < items.length; k++) {
      const a = items[k]
      if (a instanceof List && a.items.length > 0) arity(a.items[0]!, a.items, 1, [...at, k], [...at, k, 0])
    }
  }

  private comprehension(b: Value | undefined, scope: Scope, at: PathSegment[]): Scope {
    if (!Array.isArray(b)) return scope
    let s: Scope = scope
    for (let i = 0; i < b.length; i += 2) {
      const k = b[i]!
      const v = b[i + 1] ?? null
      if (k === FOR_LET) s = this.bindings(v, s, [...at, i + 1])
      else if (k instanceof Keyword) this.expr(v, s, [...at, i + 1])
      else {
        this.expr(v, s, [...at, i + 1])
        s = this.bind(k, s, [...at, i])
      }
    }
    return s
  }
}

/** Names people write from other Clojure dialects or Breyta's docs, and what to use here. */
const KNOWN_ALTERNATIVES: Record<string, string> = {
  println: 'flows are pure; return the value or log it with a step',
  prn: 'flows are pure; return the value or log it with a step',
  'clojure.string/uppercase': 'clojure.string/upper-case',
  'clojure.string/lowercase': 'clojure.string/lower-case',
  'str/uppercase': 'str/upper-case',
  'str/lowercase': 'str/lower-case',
  pmap: 'flow/map',
  'clojure.core/map': 'map',
  length: 'count',
  len: 'count',
  size: 'count',
}

/** ` (did you mean 'x'?)` for the closest known name, or "". */
export function didYouMean(name: string, scope: Iterable<Sym> = []): string {
  const known = KNOWN_ALTERNATIVES[name]
  if (known !== undefined) return known.includes(' ') ? ` (${known})` : ` (did you mean '${known}'?)`
  const slash = name.indexOf('/')
  const ns = slash > 0 ? name.slice(0, slash + 1) : ''
  // Same namespace only (str/ with str/, bare with bare), within a distance that grows with length.
  const len = name.length - ns.length
  const maxDistance = len <= 2 ? 0 : len <= 4 ? 1 : len <= 8 ? 2 : 3
  const best = closestKnown(name, ns, maxDistance, scope)
  if (best !== undefined) return ` (did you mean '${best}'?)`
  // A misspelt name from elsewhere (lenght) still gets the name to use here (count).
  const near = Object.keys(KNOWN_ALTERNATIVES).find((k) => !k.includes('/') && ns === '' && editDistance(name, k) <= maxDistance && maxDistance > 0)
  return near === undefined ? '' : didYouMean(near)
}

/** The first of the nearest built-ins, special forms and locals in namespace `ns`, within `maxDistance` edits. */
function closestKnown(name: string, ns: string, maxDistance: number, scope: Iterable<Sym>): string | undefined {
  let bestDistance = maxDistance
  let best: string | undefined
  for (const c of [...GLOBALS.keys(), ...SPECIAL.keys(), ...scope]) {
    const n = c.name
    if (ns === '' ? n.includes('/') : !n.startsWith(ns)) continue
    const d = editDistance(name, n)
    if (d > 0 && d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = n
      bestDistance = d
    }
  }
  return best
}
