/**
 * Crossing the JSON boundary, in two ways:
 *
 * - `toJson`/`fromJson`: the lossy SPEC §6 mapping used for --json output and JSON input.
 *   Keywords become strings without the colon, sets become arrays; JSON objects come back
 *   as maps with keyword keys.
 * - `encode`/`decode`: a lossless, transit-like encoding used by the journal so that replay
 *   returns exactly the value a step produced (a keyword stays a keyword).
 *   "~:k" keyword, "~$s" symbol, "~n12" bigint, "~t<iso>" date, "~~x" a string starting
 *   with "~"; {"~#set": [...]}, {"~#list": [...]}, {"~#map": [[k, v], ...]} (non-string keys),
 *   {"~#tag": [tag, v]}; other maps are objects whose keys use the same string encoding.
 */
import {isCallable, Keyword, List, Sym, Tagged, type EdnMap, type Value} from './values.js'

export type Json = null | boolean | number | string | Json[] | {[k: string]: Json}

function keyToJsonString(k: Value): string {
  if (typeof k === 'string') return k
  if (k instanceof Keyword || k instanceof Sym) return k.name
  if (k === null) return 'nil'
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k)
  return JSON.stringify(toJson(k))
}

/** SPEC §6 output mapping. Functions and other non-data become null. */
export function toJson(v: Value | undefined): Json {
  if (v === null || v === undefined) return null
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v
    case 'number':
      return Number.isFinite(v) ? v : null
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
    default:
      return objectToJson(v)
  }
}

/** `toJson` of the values that are objects: keywords, collections, dates, tagged values, functions. */
function objectToJson(v: Value): Json {
  if (v instanceof Keyword || v instanceof Sym) return v.name
  if (Array.isArray(v)) return v.map(toJson)
  if (v instanceof List) return v.items.map(toJson)
  if (v instanceof Set) return [...v].map(toJson)
  if (v instanceof Map) {
    const out: {[k: string]: Json} = {}
    for (const [k, val] of v) out[keyToJsonString(k)] = toJson(val)
    return out
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString()
  if (v instanceof Tagged) return toJson(v.value)
  if (isCallable(v)) return null
  return null
}

/**
 * SPEC §6 input mapping: objects become maps with keyword keys. Values that are already EDN
 * (Keyword, Map, Set, …) pass through untouched, so steps may return a mix.
 */
export function fromJson(v: unknown): Value {
  if (v === null || v === undefined) return null
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return v
    case 'object':
      return objectFromJson(v)
    default:
      return null
  }
}

/** `fromJson` of an object: an array, a JSON object, bytes, or a value that is already EDN. */
function objectFromJson(v: object): Value {
  if (Array.isArray(v)) return v.map(fromJson)
  if (v instanceof Map) {
    const out: EdnMap = new Map()
    for (const [k, val] of v) out.set(k as Value, fromJson(val))
    return out
  }
  if (v instanceof Keyword || v instanceof Sym || v instanceof List || v instanceof Set || v instanceof Date || v instanceof Tagged || isCallable(v)) {
    return v as Value
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  const out: EdnMap = new Map()
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === undefined) continue
    out.set(Keyword.of(k), fromJson(val))
  }
  return out
}

function encodeString(s: string): string {
  return s.startsWith('~') ? '~' + s : s
}

function encodeKey(k: Value): string | undefined {
  if (typeof k === 'string') return encodeString(k)
  if (k instanceof Keyword) return '~:' + k.name
  return undefined
}

/** Lossless value → JSON (see the module comment). */
export function encode(v: Value | undefined): Json {
  if (v === null || v === undefined) return null
  switch (typeof v) {
    case 'boolean':
      return v
    case 'number':
      return Number.isFinite(v) ? v : null
    case 'string':
      return encodeString(v)
    case 'bigint':
      return '~n' + v.toString()
    default:
      return encodeObject(v)
  }
}

/** `encode` of the values that are objects: keywords, symbols, collections, dates, tagged values. */
function encodeObject(v: Value): Json {
  if (v instanceof Keyword) return '~:' + v.name
  if (v instanceof Sym) return '~$' + v.name
  if (Array.isArray(v)) return v.map(encode)
  if (v instanceof List) return {'~#list': v.items.map(encode)}
  if (v instanceof Set) return {'~#set': [...v].map(encode)}
  if (v instanceof Date) return '~t' + v.toISOString()
  if (v instanceof Tagged) return {'~#tag': [v.tag, encode(v.value)]}
  if (v instanceof Map) return encodeMap(v)
  return null
}

/** A map whose keys all encode as strings is a JSON object; any other key makes it a `~#map` of pairs. */
function encodeMap(v: EdnMap): Json {
  const obj: {[k: string]: Json} = {}
  for (const [k, val] of v) {
    const ek = encodeKey(k)
    if (ek === undefined || ek.startsWith('~#')) return {'~#map': [...v].map(([k2, v2]) => [encode(k2), encode(v2)])}
    obj[ek] = encode(val)
  }
  return obj
}

function decodeString(s: string): Value {
  if (!s.startsWith('~')) return s
  switch (s[1]) {
    case '~':
      return s.slice(1)
    case ':':
      return Keyword.of(s.slice(2))
    case '$':
      return Sym.of(s.slice(2))
    case 'n':
      return BigInt(s.slice(2))
    case 't':
      return new Date(s.slice(2))
    default:
      return s
  }
}

/** Inverse of `encode`. */
export function decode(j: Json): Value {
  if (j === null) return null
  if (typeof j === 'string') return decodeString(j)
  if (typeof j !== 'object') return j
  if (Array.isArray(j)) return j.map(decode)
  const keys = Object.keys(j)
  if (keys.length === 1 && keys[0]!.startsWith('~#')) {
    const body = j[keys[0]!] as Json[]
    switch (keys[0]) {
      case '~#list':
        return new List(body.map(decode))
      case '~#set':
        return new Set(body.map(decode))
      case '~#map':
        return new Map(body.map((pair) => [decode((pair as Json[])[0]!), decode((pair as Json[])[1]!)]))
      case '~#tag':
        return new Tagged(body[0] as string, decode(body[1]!))
      default:
        break
    }
  }
  const m: EdnMap = new Map()
  for (const k of keys) m.set(decodeString(k), decode(j[k]!))
  return m
}
