/**
 * Resources on PostgreSQL: the bytes of `res://<run-id>/<name>` in a bytea column with their
 * content type, size and creation time, so any machine can read what a run on another stored.
 * A URI is untrusted input: it is parsed with the files store's rules (one run-id segment, one
 * plain name, percent-encoding decoded first) before it reaches a query, and the query is
 * parameterized, so no URI can name anything but one row.
 *
 * Size: node-postgres sends a Buffer parameter hex-encoded (twice its size) in one protocol
 * message, which PostgreSQL caps at 1 GiB; a resource is refused above 256 MiB, with a message,
 * before the server would refuse it with a less helpful one.
 */
import {randomBytes} from 'node:crypto'
import {BreytaError} from '../../errors.js'
import {isRunId, parseResourceUri, RESOURCE_NAME, resourceNotFound as notFound, resourceUri} from '../names.js'
import type {ResourceListing, ResourceRef, ResourceStore, StoredResource} from '../types.js'
import type {Db} from './db.js'

export const MAX_RESOURCE_BYTES = 256 * 1024 * 1024
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

interface Row {
  run: string
  name: string
  size: number
  content_type: string
  created_at: string
}

const listing = (r: Row): ResourceListing => ({uri: resourceUri(r.run, r.name), size: r.size, 'content-type': r.content_type, 'created-at': r.created_at})

export class PgResourceStore implements ResourceStore {
  constructor(private readonly db: Db) {}

  /** As the files store: a random name unless given; text defaults to text/plain, bytes to octet-stream. */
  async put(runId: string, data: Buffer | string, options: {name?: string; contentType?: string} = {}): Promise<ResourceRef> {
    if (!isRunId(runId)) throw new BreytaError('invalid_input', `"${runId}" is not a run id`)
    const name = options.name ?? `r-${randomBytes(8).toString('hex')}`
    if (!RESOURCE_NAME.test(name))
      throw new BreytaError('invalid_input', `"${name}" is not a valid resource name`, {
        hint: 'Use letters, digits, ".", "_" and "-" (use sanitizeResourceName).',
      })
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const contentType = options.contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : DEFAULT_CONTENT_TYPE)
    if (buf.length > MAX_RESOURCE_BYTES) {
      throw new BreytaError(
        'storage_error',
        `resource ${resourceUri(runId, name)} is ${buf.length} bytes; the PostgreSQL store keeps resources up to ${MAX_RESOURCE_BYTES} bytes`,
        {
          hint: 'Keep large artifacts outside breyta (object storage, a file share) and pass their location instead.',
          details: {run: runId, size: buf.length, limit: MAX_RESOURCE_BYTES, store: 'postgres'},
        },
      )
    }
    // A re-put of the same name (a retried attempt) replaces bytes and metadata together.
    await this.db.query(
      `INSERT INTO ${this.db.t('resources')} (run, name, data, size, content_type, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run, name) DO UPDATE SET data = excluded.data, size = excluded.size, content_type = excluded.content_type, created_at = excluded.created_at`,
      [runId, name, buf, buf.length, contentType, new Date().toISOString()],
    )
    return {ref: resourceUri(runId, name), size: buf.length, contentType}
  }

  async get(uri: string): Promise<StoredResource> {
    const loc = parseResourceUri(uri)
    const rows = await this.db.query<{data: Buffer; size: number; content_type: string}>(
      `SELECT data, size, content_type FROM ${this.db.t('resources')} WHERE run = $1 AND name = $2`,
      [loc.runId, loc.name],
    )
    const row = rows[0]
    if (row === undefined) throw notFound(loc.uri)
    return {uri: loc.uri, data: row.data, size: row.size, contentType: row.content_type}
  }

  /** Newest run first (run ids are ULIDs), then by creation time within a run, as the files store lists. */
  async list(options: {runId?: string} = {}): Promise<ResourceListing[]> {
    if (options.runId !== undefined && !isRunId(options.runId)) {
      throw new BreytaError('run_not_found', `no run "${options.runId}"`, {hint: 'List runs with `breyta runs list`.'})
    }
    const where = options.runId === undefined ? '' : 'WHERE run = $1'
    const rows = await this.db.query<Row>(
      `SELECT run, name, size, content_type, created_at FROM ${this.db.t('resources')} ${where} ORDER BY run COLLATE "C" DESC, created_at, name COLLATE "C"`,
      options.runId === undefined ? [] : [options.runId],
    )
    return rows.map(listing)
  }
}
