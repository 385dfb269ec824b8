/**
 * Strings, keywords and names. The clojure.string functions are registered as
 * `clojure.string/x`, `str/x` and `string/x`. Without regex literals in EDN, `split` and
 * `replace` take a literal string (replace replaces every occurrence, as Clojure does for
 * string matches).
 */
import {printEdn} from '../edn/print.js'
import {Keyword, Sym, type Value} from '../edn/values.js'
import {def, defString} from './builtins.js'
import {describe, expectInt, expectString, strOf, toSeq} from './coerce.js'
import {fnError} from './eval-error.js'

def('str', 0, Infinity, (args) => {
  let s = ''
  for (const a of args) s += strOf(a)
  return s
})

def('pr-str', 0, Infinity, (args) => args.map(printEdn).join(' '))

def('subs', 2, 3, (args) => {
  const s = expectString(args[0]!, 'subs')
  const start = expectInt(args[1]!, 'subs')
  const end = args.length === 3 ? expectInt(args[2]!, 'subs') : s.length
  if (start < 0 || end > s.length || start > end) throw fnError('subs', `range ${start}..${end} out of bounds for a string of length ${s.length}`)
  return s.slice(start, end)
})

def('keyword', 1, 2, (args) => {
  if (args.length === 2) return Keyword.of(`${expectString(args[0]!, 'keyword')}/${expectString(args[1]!, 'keyword')}`)
  const x = args[0]!
  if (x instanceof Keyword) return x
  if (x instanceof Sym) return Keyword.of(x.name)
  // Clojure gives nil for anything that is not a name (a number, nil, a map).
  return typeof x === 'string' ? Keyword.of(x) : null
})

function nameParts(x: Value, fname: string): [string | null, string] {
  if (typeof x === 'string') return [null, x]
  if (x instanceof Keyword || x instanceof Sym) {
    // (keyword "" "a") is :/a, whose namespace is "" (as in Clojure); the keyword :/ has none.
    const slash = x.name.length > 1 ? x.name.indexOf('/') : -1
    return slash >= 0 ? [x.name.slice(0, slash), x.name.slice(slash + 1)] : [null, x.name]
  }
  throw fnError(fname, `expected a keyword, symbol or string, got ${describe(x)}`)
}

def('name', 1, 1, (args) => nameParts(args[0]!, 'name')[1])
def('namespace', 1, 1, (args) => nameParts(args[0]!, 'namespace')[0])

defString('join', 1, 2, (args) => {
  const sep = args.length === 2 ? strOf(args[0]!, 'clojure.string/join') : ''
  return toSeq(args.at(-1)!, 'clojure.string/join')
    .map((x) => strOf(x, 'clojure.string/join'))
    .join(sep)
})

/** As Clojure: when the separator matched, trailing empty strings go (so (split "," ",") is []). */
function dropTrailingEmpties(parts: string[]): string[] {
  if (parts.length > 1) while (parts.at(-1) === '') parts.pop()
  return parts
}

defString('split', 2, 3, (args) => {
  const s = expectString(args[0]!, 'clojure.string/split')
  const sep = expectString(args[1]!, 'clojure.string/split')
  const limit = args.length === 3 ? expectInt(args[2]!, 'clojure.string/split') : 0
  let parts = s.split(sep)
  if (limit > 0 && parts.length > limit) parts = [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(sep)]
  // Clojure drops trailing empty strings when no limit is given (a negative limit keeps them).
  if (limit === 0) dropTrailingEmpties(parts)
  return parts
})

defString('split-lines', 1, 1, (args) => {
  return dropTrailingEmpties(expectString(args[0]!, 'clojure.string/split-lines').split(/\r?\n/))
})

function stringFn(name: string, f: (s: string) => Value): void {
  defString(name, 1, 1, (args) => f(expectString(args[0]!, `clojure.string/${name}`)))
}

stringFn('upper-case', (s) => s.toUpperCase())
stringFn('lower-case', (s) => s.toLowerCase())
stringFn('capitalize', (s) => (s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1).toLowerCase()))
stringFn('trim', (s) => s.trim())
stringFn('triml', (s) => s.trimStart())
stringFn('trimr', (s) => s.trimEnd())
stringFn('trim-newline', (s) => s.replace(/[\r\n]+$/, ''))
stringFn('reverse', (s) => Array.from(s).reverse().join(''))

defString('blank?', 1, 1, (args) => args[0] === null || expectString(args[0]!, 'clojure.string/blank?').trim() === '')

function stringPredicate(name: string, f: (s: string, x: string) => boolean): void {
  defString(name, 2, 2, (args) => f(expectString(args[0]!, `clojure.string/${name}`), expectString(args[1]!, `clojure.string/${name}`)))
}

stringPredicate('includes?', (s, x) => s.includes(x))
stringPredicate('starts-with?', (s, x) => s.startsWith(x))
stringPredicate('ends-with?', (s, x) => s.endsWith(x))

defString('index-of', 2, 2, (args) => {
  const i = expectString(args[0]!, 'clojure.string/index-of').indexOf(expectString(args[1]!, 'clojure.string/index-of'))
  return i < 0 ? null : i
})

defString('last-index-of', 2, 2, (args) => {
  const i = expectString(args[0]!, 'clojure.string/last-index-of').lastIndexOf(expectString(args[1]!, 'clojure.string/last-index-of'))
  return i < 0 ? null : i
})

defString('replace', 3, 3, (args) => {
  const s = expectString(args[0]!, 'clojure.string/replace')
  const match = expectString(args[1]!, 'clojure.string/replace')
  const replacement = expectString(args[2]!, 'clojure.string/replace')
  // Literal replacement text (a function, so '$&' is not a pattern); '' matches between every unit.
  return s.replaceAll(match, () => replacement)
})
