/**
 * Parsed flow definitions kept by their text's sha256: a webhook's live version is read, checked
 * and analysed once, not once per run, and a run's pinned definition once per process, not once
 * per advance (issue 18). The file name is part of the key: it is written into the positions of
 * the parsed forms, so errors keep naming the file they name without the cache. A definition is
 * never changed once parsed (compiled :functions hang off it in a WeakMap).
 */
import {parseFlow} from './load.js'
import type {FlowDefinition} from './types.js'

/** Recently used definitions kept; a daemon's live versions are used again at every run. */
const MAX_ENTRIES = 64

const cache = new Map<string, FlowDefinition>()

/** parseFlow(text, options), or the definition an earlier call parsed from the same text; `sha256` is the text's. */
export function parseFlowOnce(text: string, sha256: string, options: {file?: string; maxBytes?: number} = {}): FlowDefinition {
  const key = `${sha256}\u0000${options.file ?? ''}\u0000${options.maxBytes ?? ''}`
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const flow = parseFlow(text, options)
  cache.set(key, flow)
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
  return flow
}
