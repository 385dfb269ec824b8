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

/**
 * `build()` on the first call, the same value after: for what a module would otherwise build
 * when imported. Every command imports the step families (validation needs their checks), and
 * building their zod schemas was most of that import's cost (issue 18).
 */
export function lazyValue<T>(build: () => T): () => T {
  let value: {v: T} | undefined
  return () => (value ??= {v: build()}).v
}
