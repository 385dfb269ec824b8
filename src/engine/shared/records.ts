/**
 * Plain records that both the store and the steps speak of: a connection as a step sees it,
 * a stored artifact's ref, the key-value access a step gets. A leaf (imports nothing), so the
 * store need not import steps/ nor steps import the store.
 */
import type {Value} from '../edn/values.js'

/** One named connection from connections.edn, as plain data (keyword values as their names). */
export interface Connection {
  name: string
  type: string
  [key: string]: unknown
}

/** A stored artifact, as it travels inside step outputs: `{:ref "res://…" :size N :content-type "…"}`. */
export interface ResourceRef {
  ref: string
  size: number
  contentType: string
}

export interface KvAccess {
  get(namespace: string, key: string): Promise<Value | null>
  set(namespace: string, key: string, value: Value, options?: {ttlMs?: number}): Promise<void>
  delete(namespace: string, key: string): Promise<boolean>
  /** Atomic across processes; returns the new value. */
  incr(namespace: string, key: string, by?: number, options?: {ttlMs?: number}): Promise<number>
}
