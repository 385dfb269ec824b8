/**
 * `breyta kv …` operations over a workspace's kv store (the same store the `:kv` step uses,
 * so a value a flow wrote is what the CLI reads). Each call opens and closes the store.
 *
 * Decisions (SPEC §6 is silent on them):
 * - Without `--namespace` the CLI uses the namespace `default`. A flow's keys live in the
 *   namespace named after its slug, so `kv get K --namespace my-flow` reads what it wrote.
 * - A missing (or expired) key is `resource_not_found` (exit 3): the SPEC has no kv-specific
 *   code and this is its generic "the thing you named does not exist".
 * - `kv set KEY VALUE` reads VALUE as JSON when it parses (`42`, `true`, `{"a":1}` become a
 *   number, a boolean, a map with keyword keys), else keeps it as a string.
 */
import {fromJson, toJson, type Json} from '../edn/json.js'
import {BreytaError} from '../errors.js'
import {parseDuration} from '../flow/duration.js'
import type {KvEntry, KvStore} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'
import type {Page} from './listing.js'

/** The `--json` shape of one key: `{key namespace value expires-at}`. */
export interface KvEntryView {
  key: string
  namespace: string
  value: Json
  'expires-at': string | null
}

function view(e: KvEntry): KvEntryView {
  return {key: e.key, namespace: e.namespace, value: toJson(e.value), 'expires-at': e.expiresAt}
}

function withStore<T>(ws: Workspace, fn: (store: KvStore) => Promise<T>): Promise<T> {
  return fn(ws.store.kv)
}

function notFound(namespace: string, key: string): BreytaError {
  return new BreytaError('resource_not_found', `no key "${key}" in kv namespace "${namespace}"`, {
    hint: `List keys with \`breyta kv list --namespace ${namespace}\` (a flow's keys are in the namespace named after its slug).`,
    details: {key, namespace},
  })
}

/** VALUE text from the command line: JSON when it parses, else the text itself. */
export function parseKvValueText(text: string): ReturnType<typeof fromJson> {
  try {
    return fromJson(JSON.parse(text))
  } catch {
    return text
  }
}

export function kvGet(ws: Workspace, namespace: string, key: string): Promise<KvEntryView> {
  return withStore(ws, async (store) => {
    const entry = await store.entry(namespace, key)
    if (entry === null) throw notFound(namespace, key)
    return view(entry)
  })
}

export function kvSet(ws: Workspace, namespace: string, key: string, valueText: string, options: {ttl?: string} = {}): Promise<KvEntryView> {
  let ttlMs: number | undefined
  if (options.ttl !== undefined) {
    try {
      ttlMs = parseDuration(options.ttl)
    } catch (err) {
      return Promise.reject(new BreytaError('invalid_input', `--ttl: ${(err as Error).message}`))
    }
  }
  return withStore(ws, async (store) => {
    await store.set(namespace, key, parseKvValueText(valueText), ttlMs === undefined ? {} : {ttlMs})
    return view((await store.entry(namespace, key))!)
  })
}

export function kvDelete(ws: Workspace, namespace: string, key: string): Promise<{key: string; namespace: string; deleted: true}> {
  return withStore(ws, async (store) => {
    if (!(await store.delete(namespace, key))) throw notFound(namespace, key)
    return {key, namespace, deleted: true}
  })
}

/** One page of keys in key order; `next` is the cursor (the last key) or null at the end. */
export function kvList(ws: Workspace, namespace: string, options: {prefix?: string; limit?: number; cursor?: string} = {}): Promise<Page<KvEntryView>> {
  const limit = options.limit ?? 100
  return withStore(ws, async (store) => {
    const entries = await store.list(namespace, {prefix: options.prefix, after: options.cursor, limit: limit + 1})
    const page = entries.slice(0, limit)
    return {items: page.map(view), next: entries.length > limit ? page[page.length - 1]!.key : null}
  })
}
