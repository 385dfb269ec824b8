/** The one place that shapes --json documents (SPEC §6). */
import {BreytaError} from '../engine/index.js'

/** Literal commands that move the object on (approve a waiting run, resume a stale one…). */
export interface Meta {
  'next-commands': string[]
}

export interface OkDocument<T> {
  ok: true
  data: T
  meta?: Meta
}

export interface ErrorDocument {
  ok: false
  error: {code: string; message: string; hint: string | null; details: Record<string, unknown> | null}
  meta?: Meta
}

const withMeta = (next: string[] | undefined) => (next && next.length > 0 ? {meta: {'next-commands': next}} : {})

export function okDocument<T>(data: T, next?: string[]): OkDocument<T> {
  return {ok: true, data, ...withMeta(next)}
}

/** An error may carry `details.next-commands` (thrown deep in a helper); it is lifted into meta. */
export function errorDocument(err: BreytaError, next?: string[]): ErrorDocument {
  const {'next-commands': carried, ...rest} = err.details ?? {}
  const details = err.details === undefined ? null : rest
  return {
    ok: false,
    error: {code: err.code, message: err.message, hint: err.hint ?? null, details},
    ...withMeta(next ?? (Array.isArray(carried) ? (carried as string[]) : undefined)),
  }
}

export function serialize(doc: unknown, pretty: boolean): string {
  return JSON.stringify(doc, null, pretty ? 2 : undefined) + '\n'
}
