/**
 * `{{path.to.value}}` interpolation for `:templates` (flow/template, and the steps that take
 * `:template`). A path segment looks up a keyword key by name, then a string key; on a
 * vector a numeric segment is an index (`items.0.title`). A missing path renders as "".
 */
import {toJson} from '../edn/json.js'
import {Keyword, List, mapGet, Sym, type Value} from '../edn/values.js'
import {scalarText} from './coerce.js'

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

function segment(v: Value | undefined, seg: string): Value | undefined {
  if (v instanceof Map) {
    const byKeyword = mapGet(v, Keyword.of(seg))
    return byKeyword !== undefined ? byKeyword : mapGet(v, seg)
  }
  if ((Array.isArray(v) || v instanceof List) && /^\d+$/.test(seg)) {
    return (Array.isArray(v) ? v : v.items)[Number(seg)]
  }
  return undefined
}

export function resolvePath(data: Value, path: string): Value | undefined {
  if (path === '' || path === '.') return data
  let v: Value | undefined = data
  for (const seg of path.split('.')) {
    v = segment(v, seg)
    if (v === undefined) return undefined
  }
  return v
}

/** How one value appears in rendered text: strings raw, keywords by name, data as JSON. */
export function renderValue(v: Value | undefined): string {
  if (v === undefined) return ''
  return scalarText(v) ?? (v instanceof Keyword || v instanceof Sym ? v.name : JSON.stringify(toJson(v)))
}

export function renderTemplate(content: string, data: Value): string {
  return content.replace(PLACEHOLDER, (_, path: string) => renderValue(resolvePath(data, path)))
}
