/** The one place that shapes --json documents (SPEC §6). */
import {BreytaError} from '../engine/index.js'

export interface OkDocument<T> {
  ok: true
  data: T
}

export interface ErrorDocument {
  ok: false
  error: {code: string; message: string; hint: string | null; details: Record<string, unknown> | null}
}

export function okDocument<T>(data: T): OkDocument<T> {
  return {ok: true, data}
}

export function errorDocument(err: BreytaError): ErrorDocument {
  return {ok: false, error: {code: err.code, message: err.message, hint: err.hint ?? null, details: err.details ?? null}}
}

export function serialize(doc: unknown, pretty: boolean): string {
  return JSON.stringify(doc, null, pretty ? 2 : undefined) + '\n'
}
