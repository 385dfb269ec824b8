/**
 * A seeded generator of well-typed expressions over every core function and special form.
 * Each function has signatures over a small set of types; an argument is a literal of its
 * type or (while depth lasts) a call whose result has that type. The types stay clear of
 * the documented differences (README "Flow code and Clojure: the differences"):
 * - `seq` (what map/filter/… return: a lazy seq in Clojure, a vector here) is accepted
 *   where any sequence is, but never by vector-only functions (conj, peek, vector?, assoc);
 * - sets and hash-maps have no defined order, so they are only passed where order is not
 *   observed (count, contains?, sort, clojure.set, …);
 * - divisors are never zero, subs indices stay in range, split never takes "".
 */
import {CORE_FUNCTIONS, SPECIAL_FORMS} from '../../../../src/engine/interpreter/index.js'

/** Type names: the literal cases below (int, seq, map, fn1, …). */
export type Type = string

type Sig = [args: Type[], result: Type] | [args: Type[], result: Type, variadic: Type]

/** Signatures per core function (a trailing `variadic` type repeats 0–2 times). */
export const SIGNATURES: Record<string, Sig[]> = {
  '+': [[[], 'num', 'num']],
  '*': [[[], 'num', 'int']],
  '-': [[['num'], 'num', 'num']],
  '/': [[['num', 'nz'], 'num']],
  '<': [[['num'], 'bool', 'num']],
  '<=': [[['num'], 'bool', 'num']],
  '>': [[['num'], 'bool', 'num']],
  '>=': [[['num'], 'bool', 'num']],
  '==': [[['num'], 'bool', 'num']],
  '=': [
    [['any'], 'bool', 'any'],
    [['seq', 'seq'], 'bool'],
  ],
  'not=': [[['any'], 'bool', 'any']],
  abs: [[['num'], 'num']],
  apply: [
    [['vfn', 'int', 'vec'], 'int'],
    [['vfn', 'vec1'], 'int'],
    [['fn2', 'int', 'one'], 'int'],
  ],
  assoc: [
    [['map', 'kw', 'int'], 'map'],
    [['vec1', 'idx', 'int'], 'vec'],
    [['vec', 'int', 'int'], 'vec'],
  ],
  'assoc-in': [[['nmap', 'path', 'int'], 'nmap']],
  boolean: [[['any'], 'bool']],
  'boolean?': [[['any'], 'bool']],
  butlast: [[['seq'], 'seq']],
  'clojure.set/difference': [[['set'], 'set', 'set']],
  'clojure.set/intersection': [[['set'], 'set', 'set']],
  'clojure.set/union': [[[], 'set', 'set']],
  'clojure.set/index': [[['rel', 'kvec'], 'hmap']],
  'clojure.set/join': [[['rel', 'rel'], 'rel']],
  'clojure.set/map-invert': [[['map'], 'hmap']],
  'clojure.set/project': [[['rel', 'kvec'], 'rel']],
  'clojure.set/rename': [[['rel', 'kmap'], 'rel']],
  'clojure.set/rename-keys': [[['map', 'kmap'], 'hmap']],
  'clojure.set/select': [[['pred', 'set'], 'set']],
  'clojure.set/subset?': [[['set', 'set'], 'bool']],
  'clojure.set/superset?': [[['set', 'set'], 'bool']],
  'clojure.string/blank?': [[['str'], 'bool']],
  'clojure.string/capitalize': [[['str'], 'str']],
  'clojure.string/ends-with?': [[['str', 'str'], 'bool']],
  'clojure.string/includes?': [[['str', 'str'], 'bool']],
  'clojure.string/index-of': [[['str', 'str'], 'any']],
  'clojure.string/join': [
    [['svec'], 'str'],
    [['str', 'seq'], 'str'],
  ],
  'clojure.string/lower-case': [[['str'], 'str']],
  'clojure.string/replace': [[['str', 'str', 'str'], 'str']],
  'clojure.string/reverse': [[['str'], 'str']],
  'clojure.string/split': [
    [['str', 'sep'], 'svec'],
    [['str', 'sep', 'int'], 'svec'],
  ],
  'clojure.string/split-lines': [[['str'], 'svec']],
  'clojure.string/starts-with?': [[['str', 'str'], 'bool']],
  'clojure.string/trim': [[['str'], 'str']],
  'clojure.string/trim-newline': [[['str'], 'str']],
  'clojure.string/triml': [[['str'], 'str']],
  'clojure.string/trimr': [[['str'], 'str']],
  'clojure.string/upper-case': [[['str'], 'str']],
  'split-at': [[['int', 'seq'], 'vecs']],
  'split-with': [[['pred', 'seq'], 'vecs']],
  'take-nth': [[['pos', 'seq'], 'seq']],
  ffirst: [[['vecs'], 'any']],
  'some-fn': [[['pred'], 'pred', 'pred']],
  'every-pred': [[['pred'], 'pred', 'pred']],
  'seq?': [
    [['scalar'], 'bool'],
    [['list'], 'bool'],
    [['vec'], 'bool'],
  ],
  'symbol?': [[['any'], 'bool']],
  'clojure.string/last-index-of': [[['str', 'str'], 'any']],
  'coll?': [
    [['any'], 'bool'],
    [['seq'], 'bool'],
  ],
  comp: [[[], 'fn1', 'fn1']],
  compare: [
    [['int', 'int'], 'int'],
    [['str', 'str'], 'int'],
    [['kw', 'kw'], 'int'],
    [['vec', 'vec'], 'int'],
  ],
  complement: [[['pred'], 'pred']],
  concat: [[[], 'seq', 'seq']],
  conj: [
    [['vec'], 'vec', 'int'],
    [['set'], 'set', 'int'],
    [['map', 'entry'], 'map'],
    [['list'], 'list', 'int'],
  ],
  cons: [[['int', 'seq'], 'seq']],
  constantly: [[['int'], 'fn1']],
  'contains?': [
    [['map', 'kw'], 'bool'],
    [['set', 'int'], 'bool'],
    [['vec', 'int'], 'bool'],
    [['str', 'int'], 'bool'],
  ],
  count: [
    [['seq'], 'int'],
    [['anymap'], 'int'],
    [['map'], 'int'],
    [['set'], 'int'],
    [['str'], 'int'],
    [['hmap'], 'int'],
  ],
  dec: [[['num'], 'num']],
  dedupe: [[['seq'], 'seq']],
  disj: [[['set'], 'set', 'int']],
  dissoc: [[['map'], 'map', 'kw']],
  distinct: [[['seq'], 'seq']],
  'distinct?': [[['any'], 'bool', 'any']],
  double: [[['num'], 'num']],
  'double?': [[['any'], 'bool']],
  drop: [[['int', 'seq'], 'seq']],
  'drop-while': [[['pred', 'seq'], 'seq']],
  empty: [
    [['vec'], 'vec'],
    [['map'], 'map'],
  ],
  'empty?': [
    [['seq'], 'bool'],
    [['map'], 'bool'],
    [['set'], 'bool'],
    [['str'], 'bool'],
  ],
  'even?': [[['int'], 'bool']],
  'every?': [[['pred', 'seq'], 'bool']],
  'false?': [[['any'], 'bool']],
  filter: [[['pred', 'seq'], 'seq']],
  filterv: [[['pred', 'seq'], 'vec']],
  find: [[['map', 'kw'], 'any']],
  first: [
    [['seq'], 'any'],
    [['svec'], 'any'],
  ],
  flatten: [[['vecs'], 'seq']],
  'fn?': [
    [['any'], 'bool'],
    [['fn1'], 'bool'],
  ],
  fnil: [
    [['fn2', 'int'], 'fn2'],
    [['fn2', 'int', 'int'], 'fn2'],
  ],
  frequencies: [[['seq'], 'anymap']],
  get: [
    [['map', 'kw'], 'any'],
    [['vec', 'int'], 'any'],
    [['map', 'kw', 'int'], 'any'],
    [['str', 'int'], 'any'],
    [['set', 'int'], 'any'],
  ],
  'get-in': [
    [['nmap', 'path'], 'any'],
    [['nmap', 'path', 'int'], 'any'],
  ],
  'group-by': [[['fn1', 'seq'], 'anymap']],
  'hash-map': [[[], 'hmap', 'kwint']],
  'hash-set': [[[], 'set', 'int']],
  identity: [[['any'], 'any']],
  inc: [[['num'], 'num']],
  int: [[['num'], 'int']],
  'int?': [[['any'], 'bool']],
  interleave: [[['seq', 'seq'], 'seq']],
  interpose: [[['int', 'seq'], 'seq']],
  into: [
    [['vec', 'seq'], 'vec'],
    [['set', 'seq'], 'set'],
    [['map', 'pairs'], 'map'],
  ],
  juxt: [[['fn1'], 'fnseq', 'fn1']],
  keep: [[['fn1', 'seq'], 'seq']],
  'keep-indexed': [[['fn2', 'seq'], 'seq']],
  key: [[['entry'], 'any']],
  keys: [[['map'], 'any']],
  keyword: [
    [['str'], 'kw'],
    [['part', 'part'], 'kw'],
    [['any'], 'any'],
  ],
  'keyword?': [[['any'], 'bool']],
  last: [[['seq'], 'any']],
  list: [[[], 'list', 'int']],
  'list?': [
    [['any'], 'bool'],
    [['list'], 'bool'],
  ],
  long: [[['num'], 'int']],
  map: [
    [['fn1', 'seq'], 'seq'],
    [['fn2', 'seq', 'seq'], 'seq'],
  ],
  'map-indexed': [[['fn2', 'seq'], 'seq']],
  'map?': [
    [['any'], 'bool'],
    [['map'], 'bool'],
  ],
  mapcat: [[['fnseq', 'seq'], 'seq']],
  mapv: [[['fn1', 'seq'], 'vec']],
  max: [[['num'], 'num', 'num']],
  'max-key': [[['fn1', 'int'], 'int', 'int']],
  merge: [[['map'], 'map', 'map']],
  'merge-with': [[['fn2', 'map'], 'map', 'map']],
  min: [[['num'], 'num', 'num']],
  'min-key': [[['fn1', 'int'], 'int', 'int']],
  mod: [[['int', 'nz'], 'int']],
  name: [
    [['kw'], 'str'],
    [['str'], 'str'],
  ],
  namespace: [[['kw'], 'any']],
  'neg?': [[['num'], 'bool']],
  next: [[['seq'], 'seq']],
  'nil?': [[['any'], 'bool']],
  not: [[['any'], 'bool']],
  'not-any?': [[['pred', 'seq'], 'bool']],
  'not-empty': [
    [['seq'], 'seq'],
    [['str'], 'any'],
  ],
  'not-every?': [[['pred', 'seq'], 'bool']],
  nth: [
    [['seq', 'int', 'int'], 'int'],
    [['vec1', 'idx'], 'int'],
  ],
  'number?': [[['any'], 'bool']],
  'odd?': [[['int'], 'bool']],
  'parse-double': [[['numstr'], 'any']],
  'parse-long': [[['numstr'], 'any']],
  partial: [[['fn2', 'int'], 'fn1']],
  partition: [
    [['pos', 'seq'], 'vecs'],
    [['pos', 'pos', 'seq'], 'vecs'],
  ],
  'partition-all': [
    [['pos', 'seq'], 'vecs'],
    [['pos', 'pos', 'seq'], 'vecs'],
  ],
  'partition-by': [[['fn1', 'seq'], 'vecs']],
  peek: [
    [['vec'], 'any'],
    [['list'], 'any'],
  ],
  'pos?': [[['num'], 'bool']],
  'pr-str': [
    [['scalar'], 'str'],
    [['vec'], 'str'],
  ],
  quot: [[['int', 'nz'], 'int']],
  range: [
    [['int'], 'seq'],
    [['int', 'int'], 'seq'],
    [['int', 'int', 'nz'], 'seq'],
  ],
  reduce: [
    [['fn2z', 'seq'], 'int'],
    [['fn2', 'int', 'seq'], 'int'],
    [['red', 'int', 'seq'], 'int'],
  ],
  'reduce-kv': [[['fnkv', 'int', 'map'], 'int']],
  reduced: [[['int'], 'any']],
  'reduced?': [[['any'], 'bool']],
  rem: [[['int', 'nz'], 'int']],
  remove: [[['pred', 'seq'], 'seq']],
  repeat: [
    [['pos', 'int'], 'seq'],
    [['pos', 'str'], 'sseq'],
  ],
  rest: [[['seq'], 'seq']],
  reverse: [[['seq'], 'seq']],
  'run!': [[['fn1', 'seq'], 'any']],
  second: [[['seq'], 'any']],
  'select-keys': [[['map', 'kvec'], 'map']],
  seq: [
    [['seq'], 'seq'],
    [['map'], 'any'],
  ],
  'sequential?': [
    [['any'], 'bool'],
    [['seq'], 'bool'],
  ],
  set: [[['seq'], 'set']],
  'set?': [
    [['any'], 'bool'],
    [['set'], 'bool'],
  ],
  some: [[['pred', 'seq'], 'any']],
  'some?': [[['any'], 'bool']],
  sort: [
    [['seq'], 'seq'],
    [['cmp', 'seq'], 'seq'],
    [['set'], 'seq'],
    [['svec'], 'sseq'],
  ],
  'sort-by': [
    [['fn1', 'seq'], 'seq'],
    [['kfn', 'ms'], 'any'],
    [['fn1', 'cmp', 'seq'], 'seq'],
  ],
  str: [[[], 'str', 'scalar']],
  'string?': [[['any'], 'bool']],
  subs: [[['subs'], 'str']],
  subvec: [[['subvec'], 'vec']],
  take: [[['int', 'seq'], 'seq']],
  'take-last': [[['int', 'seq'], 'seq']],
  'take-while': [[['pred', 'seq'], 'seq']],
  'true?': [[['any'], 'bool']],
  unreduced: [[['int'], 'int']],
  update: [
    [['map', 'kw', 'fn1n'], 'map'],
    [['vec', 'idx', 'fn1n'], 'vec'],
  ],
  'update-in': [[['nmap', 'path', 'fn1n'], 'nmap']],
  'update-keys': [[['map', 'kwfn'], 'map']],
  'update-vals': [[['map', 'fn1'], 'map']],
  val: [[['entry'], 'any']],
  vals: [[['map'], 'any']],
  vec: [[['seq'], 'vec']],
  vector: [[[], 'vec', 'int']],
  'vector?': [
    [['scalar'], 'bool'],
    [['vec'], 'bool'],
    [['map'], 'bool'],
  ],
  'zero?': [[['num'], 'bool']],
  zipmap: [[['kvec', 'seq'], 'map']],
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const STRINGS = ['""', '"a"', '"abc"', '"Hello World"', '" x y "', '"a,b,,c"', '"a\\nb\\n"', '"😀x"', '"ab-ab"', '"12"']
const KWS = [':a', ':b', ':c', ':d', ':x/a', ':y/b']
const KEYS = [':a', ':b', ':c', ':d', ':e', ':f']
const FN1 = ['inc', 'dec', '#(* % 2)', '(fn [x] (- x 3))', '(partial + 10)', 'identity', '(comp inc inc)', '(constantly 7)', '#(mod % 3)', 'abs']
const PRED = ['odd?', 'even?', 'pos?', 'neg?', 'zero?', '#(> % 2)', '(fn [x] (< x 0))', '(complement odd?)', '#{1 2 3}', 'nil?']
const FN2 = ['+', '*', '-', 'max', 'min', '(fn [a b] (+ a (* 2 b)))', '#(- %2 %1)', '(fnil + 0)']
const CMP = ['<', '>', '<=', '>=', 'compare', '#(compare %2 %1)']

export class Generator {
  private readonly next: () => number
  private readonly producers = new Map<string, [string, Sig][]>()

  constructor(seed: number) {
    this.next = rng(seed)
    for (const [name, sigs] of Object.entries(SIGNATURES)) {
      for (const sig of sigs) {
        const list = this.producers.get(sig[1]) ?? []
        list.push([name, sig])
        this.producers.set(sig[1], list)
      }
    }
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!
  }

  private n(max = 4): number {
    return this.int(0, max)
  }

  private times(k: number, f: () => string): string {
    return Array.from({length: k}, f).join(' ')
  }

  /** An expression of type `t`; calls nest while depth lasts. */
  gen(t: string, depth: number): string {
    const producers = this.producers.get(t)
    if (depth > 0 && producers !== undefined && this.next() < 0.45) {
      const [name, sig] = this.pick(producers)
      return this.call(name, sig, depth - 1)
    }
    return this.literal(t, depth)
  }

  call(name: string, sig: Sig, depth: number): string {
    const args = sig[0].map((a) => this.gen(a, depth))
    if (sig[2] !== undefined) for (let i = this.n(2); i > 0; i--) args.push(this.gen(sig[2], depth))
    return `(${[name, ...args].join(' ')})`
  }

  /** A call of `name` with one of its signatures at the top. */
  callOf(name: string, depth: number): string {
    const sigs = SIGNATURES[name]
    if (sigs === undefined) throw new Error(`no signature for ${name}`)
    return this.call(name, this.pick(sigs), depth)
  }

  private literal(t: string, depth: number): string {
    const small = (): string => String(this.int(-5, 9))
    switch (t) {
      case 'int':
        return small()
      case 'nz':
        return this.pick(['1', '2', '3', '-2', '7'])
      case 'pos':
        return String(this.int(1, 3))
      case 'num':
        return this.pick([small(), small(), '1.5', '-0.25', '2.75', '0.1'])
      case 'str':
        return this.pick(STRINGS)
      case 'sep':
        return this.pick(['","', '"a"', '"b"', '" "', '"-"', '"\\n"'])
      case 'numstr':
        return this.pick(['"12"', '"-3"', '"1.5"', '"abc"', '""', '"1e3"', '" 7"', '"99999999999999999999"', '"NaN"', '"+4"'])
      case 'kw':
        return this.pick(KWS)
      case 'part':
        return this.pick(['"a"', '"x"', '"Hello World"', '"a,b,,c"'])
      case 'bool':
        return this.pick(['true', 'false'])
      case 'scalar':
        return this.literal(this.pick(['int', 'num', 'str', 'kw', 'bool', 'nil']), depth)
      case 'nil':
        return 'nil'
      case 'any':
        return this.gen(this.pick(['int', 'num', 'str', 'kw', 'bool', 'nil', 'vec', 'map', 'set', 'list', 'anymap']), depth)
      case 'vec':
        return `[${this.times(this.n(5), small)}]`
      case 'seq':
        return this.pick([() => this.literal('vec', depth), () => `(range ${this.int(0, 6)})`, () => `(list ${this.times(this.n(3), small)})`, () => 'nil'])()
      case 'svec':
        return `[${this.times(this.n(4), () => this.pick(STRINGS))}]`
      case 'sseq':
        return this.literal('svec', depth)
      case 'kvec':
        return `[${this.times(this.n(3), () => this.pick(KEYS))}]`
      case 'path':
        return this.pick(['[:a :b]', '[:a :c]', '[:b]', '[:a :z]', '[:q]'])
      case 'vec1':
        return `[${this.times(this.int(1, 4), small)}]`
      case 'one':
        return `[${small()}]`
      case 'vfn':
        return this.pick(['+', '*', 'max', 'min'])
      case 'fn2z':
        return this.pick(['+', '*'])
      case 'anymap':
        return this.literal('map', depth)
      case 'idx':
        return '0'
      case 'pairs':
        return `[${this.times(this.n(3), () => `[${this.pick(KEYS)} ${small()}]`)}]`
      case 'vecs':
        return `[${this.times(this.n(3), () => this.pick([() => this.literal('vec', depth), small])())}]`
      case 'map':
        return `{${[...new Set(Array.from({length: this.n(4)}, () => this.pick(KEYS)))].map((k) => `${k} ${small()}`).join(' ')}}`
      case 'kmap':
        return `{${this.pick([':a :b', ':b :z', ':a :q :c :a'])}}`
      case 'kwint':
        return `${this.pick(KEYS)} ${small()}`
      case 'ms':
        return `[${this.times(this.n(3), () => `{:a ${small()} :b ${small()}}`)}]`
      case 'nmap':
        return `{:a {:b ${small()} :c ${small()}} :b ${small()}}`
      case 'hmap':
        return `(hash-map ${this.times(this.n(3), () => `${this.pick(KEYS)} ${small()}`)})`
      case 'set':
        return `#{${[...new Set(Array.from({length: this.n(4)}, small))].join(' ')}}`
      case 'rel':
        return `#{${[...new Set(Array.from({length: this.n(3)}, () => `{:a ${this.int(0, 2)} :b ${this.int(0, 2)}}`))].join(' ')}}`
      case 'list':
        return `(list ${this.times(this.n(3), small)})`
      case 'entry':
        return `(first {${this.pick(KEYS)} ${small()}})`
      case 'fn1':
        return this.pick(FN1)
      case 'fn1n':
        return this.pick(['(fnil inc 0)', '(fnil + 5)', '(fnil #(* % 2) 1)', '(fnil dec 9)'])
      case 'kwfn':
        return this.pick(['name', 'str', '(fn [k] (keyword (str (name k) "!")))'])
      case 'pred':
        return this.pick(PRED)
      case 'fn2':
        return this.pick(FN2)
      case 'cmp':
        return this.pick(CMP)
      case 'kfn':
        return this.pick([':a', ':b', '#(- (:a %))'])
      case 'fnseq':
        return this.pick(['(fn [x] [x x])', '(juxt inc dec)', '#(range %)', '(fn [x] (repeat 2 x))'])
      case 'fnkv':
        return this.pick(['(fn [acc k v] (+ acc v))', '(fn [acc k v] (if (= k :a) acc (* acc v)))'])
      case 'fnacc':
        return this.pick(FN2)
      case 'red':
        return this.pick(['(fn [acc x] (if (> acc 10) (reduced acc) (+ acc x)))', '(fn [a x] (if (neg? x) (reduced a) (+ a x)))'])
      case 'subs': {
        const s = this.pick(['"hello"', '"abc"', '""', '"a b c"'])
        const len = JSON.parse(s).length as number
        const a = this.int(0, len)
        return this.next() < 0.5 ? `${s} ${a}` : `${s} ${a} ${this.int(a, len)}`
      }
      case 'subvec': {
        const len = this.int(0, 5)
        const a = this.int(0, len)
        return `[${this.times(len, small)}] ${a} ${this.int(a, len)}`
      }
      default:
        throw new Error(`no literal for type ${t}`)
    }
  }

  /** A special form around well-typed parts. */
  special(form: string, depth: number): string {
    const i = (): string => this.gen('int', depth)
    const s = (): string => this.gen('seq', depth)
    const b = (): string => this.gen('any', depth)
    switch (form) {
      case 'quote':
        return this.pick([`'(${this.times(this.n(3), () => String(this.int(0, 9)))})`, "'a", `(quote [${this.pick(KWS)} x])`])
      case 'do':
        return `(do ${i()} ${i()})`
      case 'if':
        return `(if ${b()} ${i()} ${i()})`
      case 'if-not':
        return `(if-not ${b()} ${i()} ${i()})`
      case 'when':
        return `(when ${b()} ${i()} ${i()})`
      case 'when-not':
        return `(when-not ${b()} ${i()})`
      case 'let':
        return `(let [x ${i()} [y & more] ${s()} {:keys [a b] :or {b 4}} ${this.literal('map', depth)}] [x y more a b])`
      case 'cond':
        return `(let [n ${i()}] (cond (< n 0) :neg (< n ${this.int(0, 5)}) :small :else n))`
      case 'condp':
        return `(condp = ${i()} 1 :one 2 :two ${this.int(3, 4)} :three-or-four :other)`
      case 'case':
        return `(case ${this.gen('scalar', depth)} 1 :one "a" :a-string :b :b-kw (2 3) :two-or-three nil :nil :default)`
      case 'and':
        return `(and ${b()} ${b()})`
      case 'or':
        return `(or ${b()} ${b()})`
      case 'if-let':
        return `(if-let [x ${this.pick([() => this.gen('any', depth), () => `(first ${s()})`])()}] [x] :none)`
      case 'if-some':
        return `(if-some [x ${this.pick([() => this.gen('any', depth), () => `(first ${s()})`])()}] [x] :none)`
      case 'when-some':
        return `(when-some [x ${this.gen('any', depth)}] [x x])`
      case 'when-first':
        return `(when-first [x ${s()}] (inc x))`
      case 'when-let':
        return `(when-let [[a b] ${s()}] [a b])`
      case 'fn':
        return `((fn f ([] 0) ([x] (f x 1)) ([x y & zs] (apply + x y zs))) ${this.times(this.n(4), i)})`
      case 'loop':
        return `(loop [i 0 acc []] (if (< i ${this.int(0, 6)}) (recur (inc i) (conj acc (* i ${i()}))) acc))`
      case 'recur':
        return `((fn [n acc] (if (pos? n) (recur (dec n) (+ acc n)) acc)) ${this.int(0, 20)} ${i()})`
      case '->':
        return `(-> ${this.literal('map', depth)} (assoc :z ${i()}) (dissoc :a) count)`
      case '->>':
        return `(->> ${s()} (map ${this.pick(FN1)}) (filter ${this.pick(PRED)}) (reduce + 0))`
      case 'some->':
        return `(some-> ${this.literal('map', depth)} :a inc)`
      case 'some->>':
        return `(some->> ${s()} (filter ${this.pick(PRED)}) first inc)`
      case 'cond->':
        return `(cond-> ${i()} ${b()} inc ${b()} (* 2) ${b()} (- 1))`
      case 'cond->>':
        return `(cond->> ${s()} ${b()} (map inc) ${b()} (filter odd?))`
      case 'as->':
        return `(as-> ${i()} x (+ x 1) [x (* x 2)] (conj x ${i()}))`
      case 'for':
        return this.pick([
          () => `(for [x ${s()} :when (${this.pick(PRED)} x)] (${this.pick(FN1)} x))`,
          () => `(for [x ${s()} y ${s()} :while (< y x)] [x y])`,
          () => `(for [x ${s()} :let [y (* x x)] :when (odd? y)] [x y])`,
          () => `(for [[k v] ${this.literal('map', depth)}] [v k])`,
        ])()
      case 'doseq':
        return `(doseq [x ${s()}] (inc x))`
      default:
        throw new Error(`no template for special form ${form}`)
    }
  }
}

/** `count` expressions: every core function and special form in turn at the top, then random ones. */
export function generate(seed: number, count: number): string[] {
  const g = new Generator(seed)
  const heads: [kind: 'fn' | 'special', name: string][] = [
    ...CORE_FUNCTIONS.map((n) => ['fn', n] as ['fn', string]),
    ...SPECIAL_FORMS.map((n) => ['special', n] as ['special', string]),
  ]
  const out: string[] = []
  for (let k = 0; k < count; k++) {
    const [kind, name] = heads[k % heads.length]!
    out.push(kind === 'fn' ? g.callOf(name, g.int(0, 3)) : g.special(name, g.int(0, 2)))
  }
  return out
}
