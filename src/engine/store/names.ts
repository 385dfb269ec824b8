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
