/**
 * Load a CommonJS dependency on first use. The engine is imported by every CLI command; pulling
 * ssh2, pg and better-sqlite3 in at start-up would cost every `breyta runs list` ~200 ms.
 */
import {createRequire} from 'node:module'

// Not named `require`: the production bundle (scripts/bundle.mjs) declares that name itself.
const requireCjs = createRequire(import.meta.url)

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= requireCjs(id) as T)
}
