/**
 * The names the store accepts, checked the same way by every implementation: flow slugs, run
 * ids (ULIDs), resource names and `res://` URIs. Pure: no I/O.
 */
import {randomBytes} from 'node:crypto'
import {BreytaError} from '../errors.js'

export {connectionFromValue, getConnection} from './fs/connection-store.js'

export {assertSlug} from '../flow/slug.js'

const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/

export function isRunId(id: string): boolean {
  return RUN_ID.test(id)
}

export const RES_SCHEME = 'res://'
/** One plain path segment: never `.`/`..`, never a dot first (the `.meta` sidecars), at most 200 characters. */
export const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/

export function sanitizeResourceName(raw: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+(?=\.|$)/g, '')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 180)
  return cleaned === '' ? `r-${randomBytes(6).toString('hex')}` : cleaned
}

export function resourceUri(runId: string, name: string): string {
  return `${RES_SCHEME}${runId}/${name}`
}

export function invalidResourceUri(uri: string, why: string): BreytaError {
  return new BreytaError('invalid_input', `invalid resource URI "${uri}": ${why}`, {
    hint: 'A resource URI looks like res://<run-id>/<name>; list them with `breyta resources list`.',
  })
}

export function resourceNotFound(uri: string): BreytaError {
  return new BreytaError('resource_not_found', `no resource ${uri}`, {hint: 'List resources with `breyta resources list`.'})
}

/**
 * A `res://` URI as one run id and one plain name, checked the same way by every store. It is
 * untrusted input: percent-encoding is decoded first and the result checked, so `%2e%2e%2f` is
 * treated exactly like `../`; more or fewer than two segments, a backslash, a NUL or a name that
 * is not a plain segment is `invalid_input`.
 */
export function parseResourceUri(uri: string): {runId: string; name: string; uri: string} {
  if (typeof uri !== 'string' || !uri.startsWith(RES_SCHEME)) throw invalidResourceUri(String(uri), `it must start with ${RES_SCHEME}`)
  let rest: string
  try {
    rest = decodeURIComponent(uri.slice(RES_SCHEME.length))
  } catch {
    throw invalidResourceUri(uri, 'bad percent-encoding')
  }
  if (/[\\\0]/.test(rest)) throw invalidResourceUri(uri, 'backslashes and NUL are not allowed')
  const segments = rest.split('/')
  if (segments.length !== 2) throw invalidResourceUri(uri, 'expected exactly res://<run-id>/<name> (no "..", no absolute paths)')
  const [runId, name] = segments as [string, string]
  if (!isRunId(runId)) throw invalidResourceUri(uri, `"${runId}" is not a run id`)
  if (!RESOURCE_NAME.test(name)) throw invalidResourceUri(uri, `"${name}" is not a plain resource name`)
  return {runId, name, uri: resourceUri(runId, name)}
}
