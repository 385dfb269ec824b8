/** breyta's values in the canonical text nbb.ts prints for ClojureScript's (same rules). */
import {isCallable, Keyword, List, Sym, type Value} from '../../../../src/engine/edn/values.js'

export function canon(v: Value): string {
  if (v === null) return 'nil'
  switch (typeof v) {
    case 'boolean':
      return String(v)
    case 'number':
      return Number.isNaN(v) ? '##NaN' : v === Infinity ? '##Inf' : v === -Infinity ? '##-Inf' : String(v)
    case 'bigint':
      return String(v)
    case 'string':
      return JSON.stringify(v)
    default:
      break
  }
  if (v instanceof Keyword) return ':' + v.name
  if (v instanceof Sym) return "'" + v.name
  if (v instanceof Map)
    return (
      '{' +
      [...v]
        .map(([k, x]) => `${canon(k)} ${canon(x)}`)
        .sort()
        .join(', ') +
      '}'
    )
  if (v instanceof Set) return '#{' + [...v].map(canon).sort().join(' ') + '}'
  if (Array.isArray(v)) return '[' + v.map(canon).join(' ') + ']'
  if (v instanceof List) return '[' + v.items.map(canon).join(' ') + ']'
  if (isCallable(v)) return 'fn'
  if (typeof v === 'object' && 'value' in v) return 'reduced ' + canon((v as {value: Value}).value)
  return '? ' + String(v)
}
