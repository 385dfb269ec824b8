/**
 * Resources as the runtime uses them (SPEC §4): the ResourceAccess a step gets, offloading of
 * outputs over the workspace limit (or with `:persist true`) into resources, and resolving the
 * ref maps `{:ref "res://…" :size N :content-type "…"}` that appear in step configs.
 *
 * Ref content types, and what `resolveRefs` turns them back into:
 *   text/*, application/json, *+json   → the text as a string
 *   application/edn                     → the EDN value (whole outputs that were not strings)
 *   anything else                       → the bytes as a base64 string
 */
import {encode} from '../edn/json.js'
import {printEdn} from '../edn/print.js'
import {readEdn} from '../edn/read.js'
import {emap, field, isMap, List, Tagged, type EdnMap, type Value} from '../edn/values.js'
import type {ResourceAccess, ResourceRef} from '../steps/types.js'
import {RES_SCHEME, sanitizeResourceName} from '../store/names.js'
import type {ResourceListing, Store} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'

export const DEFAULT_OUTPUT_LIMIT_BYTES = 64 * 1024
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8'
export const EDN_CONTENT_TYPE = 'application/edn'

/** Strings smaller than this are never offloaded: the ref map would be about as big. */
const MIN_OFFLOAD_BYTES = 256

type Put = ResourceAccess['put']
type Get = ResourceAccess['get']

/** The ResourceAccess of one run: puts go to resources/<run-id>/, gets read any run's. */
export function forRun(store: Store, runId: string): ResourceAccess {
  return {
    put: (data, options = {}) => store.resources.put(runId, data, options),
    get: async (uri) => {
      const r = await store.resources.get(uri)
      return {data: r.data, contentType: r.contentType, size: r.size}
    },
  }
}

/** Bytes of a value as the journal stores it (lossless JSON encoding). */
export function serializedSize(v: Value): number {
  return Buffer.byteLength(JSON.stringify(encode(v)))
}

export function refMap(ref: ResourceRef): EdnMap {
  return emap({ref: ref.ref, size: ref.size, 'content-type': ref.contentType})
}

/** `{:ref "res://…" …}` with nothing but :ref, :size and :content-type. */
export function isRefMap(v: Value | undefined): boolean {
  if (!isMap(v)) return false
  const ref = field(v, 'ref')
  if (typeof ref !== 'string' || !ref.startsWith(RES_SCHEME)) return false
  for (const k of v.keys()) {
    const name = (k as {name?: unknown}).name
    if (name !== 'ref' && name !== 'size' && name !== 'content-type') return false
  }
  return true
}

type PathStep = Value | number

function collectStrings(v: Value, at: PathStep[], out: {path: PathStep[]; s: string}[]): void {
  if (typeof v === 'string') {
    if (v.length >= MIN_OFFLOAD_BYTES / 4) out.push({path: at, s: v})
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => collectStrings(x, [...at, i], out))
  } else if (isMap(v) && !isRefMap(v)) {
    for (const [k, val] of v) collectStrings(val, [...at, k], out)
  }
}

function assocIn(v: Value, at: PathStep[], replacement: Value): Value {
  if (at.length === 0) return replacement
  const [head, ...rest] = at
  if (Array.isArray(v)) {
    const copy = v.slice()
    copy[head as number] = assocIn(copy[head as number]!, rest, replacement)
    return copy
  }
  const copy = new Map(v as EdnMap)
  copy.set(head!, assocIn(copy.get(head!)!, rest, replacement))
  return copy
}

function pathName(prefix: string | undefined, at: PathStep[]): string | undefined {
  if (prefix === undefined) return undefined
  const parts = at.map((p) => (typeof p === 'number' ? String(p) : typeof p === 'string' ? p : ((p as {name?: string}).name ?? printEdn(p))))
  return sanitizeResourceName([prefix, ...parts].join('.'))
}

async function storeWhole(output: Value, put: Put, name: string | undefined): Promise<Value> {
  const ref =
    typeof output === 'string' ? await put(output, {name, contentType: TEXT_CONTENT_TYPE}) : await put(printEdn(output), {name, contentType: EDN_CONTENT_TYPE})
  return refMap(ref)
}

export interface OffloadOptions {
  /** The workspace limit on a serialized output (SPEC §4 default 64 KiB). */
  limitBytes: number
  /** `:persist true`: store the whole output whatever its size. */
  persist: boolean
  put: Put
  /** Readable, stable resource names (`<prefix>.stdout`), e.g. the step id; a retried attempt overwrites. */
  namePrefix?: string
}

/**
 * Keep journaled outputs small. With `persist` the whole output is stored and its ref returned.
 * Otherwise, over the limit, the biggest strings anywhere in a map/vector output are replaced
 * by ref maps until it fits, so small fields such as `:exit-code` stay inline; if it still does
 * not fit (or is not a collection), the whole value becomes one ref.
 */
export async function offloadOutput(output: Value, options: OffloadOptions): Promise<Value> {
  const whole = options.namePrefix === undefined ? undefined : sanitizeResourceName(options.namePrefix)
  if (options.persist) return storeWhole(output, options.put, whole)
  let size = serializedSize(output)
  if (size <= options.limitBytes) return output
  if (!isMap(output) && !Array.isArray(output)) return storeWhole(output, options.put, whole)

  const candidates: {path: PathStep[]; s: string}[] = []
  collectStrings(output, [], candidates)
  const sized = candidates.map((c) => ({...c, bytes: serializedSize(c.s)})).filter((c) => c.bytes >= MIN_OFFLOAD_BYTES)
  sized.sort((a, b) => b.bytes - a.bytes)
  let current: Value = output
  for (const c of sized) {
    if (size <= options.limitBytes) break
    const ref = refMap(await options.put(c.s, {name: pathName(options.namePrefix, c.path), contentType: TEXT_CONTENT_TYPE}))
    current = assocIn(current, c.path, ref)
    // The encoded string and the encoded ref occupy the same slot, so the delta is exact.
    size += serializedSize(ref) - c.bytes
  }
  return size <= options.limitBytes ? current : storeWhole(output, options.put, whole)
}

/** A resource's content as a config value (see the module comment for the mapping). */
export function contentValue(data: Buffer, contentType: string): Value {
  const ct = contentType.toLowerCase().split(';')[0]!.trim()
  if (ct === EDN_CONTENT_TYPE) return readEdn(data.toString('utf8'))
  if (ct.startsWith('text/') || ct === 'application/json' || ct.endsWith('+json')) return data.toString('utf8')
  return data.toString('base64')
}

/** Replace every ref map inside a step config by its content, at any depth. */
export async function resolveRefs(config: Value, get: Get): Promise<Value> {
  if (isRefMap(config)) {
    const r = await get(field(config, 'ref') as string)
    return contentValue(r.data, r.contentType)
  }
  if (Array.isArray(config)) return Promise.all(config.map((x) => resolveRefs(x, get)))
  if (config instanceof List) return new List(await Promise.all(config.items.map((x) => resolveRefs(x, get))))
  if (config instanceof Tagged) return new Tagged(config.tag, await resolveRefs(config.value, get))
  if (isMap(config)) {
    const out: EdnMap = new Map()
    for (const [k, v] of config) out.set(k, await resolveRefs(v, get))
    return out
  }
  return config
}

/** The `resources get --json` shape (SPEC §6), plus the bytes for the CLI to write. */
export interface ResourceContent {
  uri: string
  size: number
  'content-type': string
  /** Where the bytes are stored in the workspace. */
  path: string
  data: Buffer
}

export async function readResource(ws: Workspace, uri: string): Promise<ResourceContent> {
  const r = await ws.store.resources.get(uri)
  return {uri: r.uri, size: r.size, 'content-type': r.contentType, path: r.path ?? r.uri, data: r.data}
}

/** `resources list`: newest run first; one page (resources are few per run). */
export async function listResourcesPage(ws: Workspace, options: {runId?: string} = {}): Promise<{items: ResourceListing[]; next: string | null}> {
  return {items: await ws.store.resources.list(options), next: null}
}
