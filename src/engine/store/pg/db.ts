/**
 * The PostgreSQL store's connection: one pool per store, every table named inside the store's
 * own schema (so one database can hold several teams' stores, and tests a schema each), and
 * one place that turns what PostgreSQL or the network throws into `storage_error`.
 *
 * The URL carries a password (it comes from a secret): it never appears in a message, a hint
 * or `details`; errors name the host and port only.
 */
import type PgModule from 'pg'
import {BreytaError, isBreytaError} from '../../errors.js'
import {lazyRequire} from '../../lazy.js'

const pgModule = lazyRequire<typeof PgModule>('pg')

export type Pool = PgModule.Pool
export type PoolClient = PgModule.PoolClient
export type Client = PgModule.Client
export type QueryResultRow = PgModule.QueryResultRow

/** A schema name we can put into SQL unquoted-safe: lower case, digits, underscore. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/

export const UNIQUE_VIOLATION = '23505'
/** How long a new connection may take before the query fails (pg's default waits for ever): an unreachable server is a storage_error, not a command that hangs. */
const CONNECT_MS = 10_000

export interface Db {
  readonly pool: Pool
  readonly schema: string
  /** Where the server is, for messages (never the URL: it holds a password). */
  readonly where: string
  readonly url: string
  /** `schema.table`, quoted. */
  t(table: string): string
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>
  /**
   * Run `fn` in one transaction on one connection; rolled back when it throws. `pool: 'locks'`
   * takes the connection from a small pool of its own, for transactions that hold a lock while
   * `fn` does other store work: their waiters can then never take every connection that work needs.
   */
  tx<T>(fn: (c: PoolClient) => Promise<T>, options?: {pool?: 'locks'}): Promise<T>
  /** Resolves once the schema is up to date; callers of `pool` directly await it first. */
  ready(): Promise<void>
  /** A client of its own, outside the pool (LISTEN holds its connection for as long as it listens). */
  dedicatedClient(): Client
  end(): Promise<void>
}

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new BreytaError('invalid_input', `"${schema}" is not a usable store schema name`, {
      hint: 'Use lower-case letters, digits and "_", starting with a letter or "_" (at most 48 characters).',
    })
  }
  return schema
}

/** `host:port/database` of a PostgreSQL URL, without the user and password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`
  } catch {
    return 'the configured PostgreSQL server'
  }
}

function newPool(url: string, max: number): Pool {
  const pool = new (pgModule().Pool)({connectionString: url, max, idleTimeoutMillis: 10_000, connectionTimeoutMillis: CONNECT_MS})
  // An idle client that loses its connection emits 'error' on the pool; unhandled, it kills the
  // process. The next query gets a fresh connection (or fails with storage_error).
  pool.on('error', () => {})
  return pool
}

export function openDb(url: string, schema: string, options: {max?: number} = {}): Db {
  checkSchemaName(schema)
  const where = describeUrl(url)
  const pool = newPool(url, options.max ?? 10)
  const lockPool = newPool(url, Math.min(4, options.max ?? 10))
  const t = (table: string) => `"${schema}"."${table}"`
  return {
    pool,
    schema,
    where,
    url,
    t,
    async query<R extends QueryResultRow>(sql: string, params: unknown[] = []) {
      try {
        return (await pool.query<R>(sql, params)).rows
      } catch (err) {
        throw storeError(err, where)
      }
    },
    async tx<T>(fn: (c: PoolClient) => Promise<T>, options: {pool?: 'locks'} = {}): Promise<T> {
      let c: PoolClient
      try {
        c = await (options.pool === 'locks' ? lockPool : pool).connect()
      } catch (err) {
        throw storeError(err, where)
      }
      let broken = false
      try {
        await c.query('BEGIN')
        const out = await fn(c)
        await c.query('COMMIT')
        return out
      } catch (err) {
        try {
          await c.query('ROLLBACK')
        } catch {
          broken = true
        }
        // What `fn` threw of its own (a queue body's error) goes to the caller as it was.
        throw isDbError(err) ? storeError(err, where) : err
      } finally {
        c.release(broken)
      }
    },
    ready: () => Promise.resolve(),
    dedicatedClient() {
      const c = new (pgModule().Client)({connectionString: url})
      c.on('error', () => {})
      return c
    },
    async end() {
      await Promise.all([pool.end(), lockPool.end()])
    },
  }
}

/** `db` whose queries and transactions first wait for `ready` (the schema migration), retried after a failure. */
export function whenReady(db: Db, ready: () => Promise<void>): Db {
  return {
    ...db,
    ready,
    async query<R extends QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> {
      await ready()
      return db.query<R>(sql, params)
    },
    async tx<T>(fn: (c: PoolClient) => Promise<T>, options?: {pool?: 'locks'}): Promise<T> {
      await ready()
      return db.tx(fn, options)
    },
  }
}

/** What PostgreSQL or the socket threw, as the `storage_error` a caller acts on; BreytaErrors pass through. */
export function storeError(err: unknown, where: string, runId?: string): BreytaError {
  if (err instanceof BreytaError) return err
  if (isBreytaError(err)) return err as BreytaError
  const e = err as {code?: string; message?: string}
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  const resume = runId ? `\`breyta runs resume ${runId}\`` : '`breyta runs resume RUN` for any run it stopped'
  return new BreytaError('storage_error', `the store at ${where} refused: ${e.message ?? String(err)}`, {
    cause: err,
    hint: `Check that PostgreSQL at ${where} is up and reachable and that its user may write there, then ${resume}; the run stays resumable.`,
    details: {store: 'postgres', where, ...(sqlstate ? {sqlstate} : {}), ...(e.code && !sqlstate ? {errno: e.code} : {}), ...(runId ? {run: runId} : {})},
  })
}

/** Thrown by PostgreSQL or the connection to it (not by a caller's code run inside a transaction). */
export function isDbError(err: unknown): boolean {
  if (err instanceof pgModule().DatabaseError) return true
  const e = err as {code?: unknown; message?: unknown}
  if (typeof e?.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code)) return true // ECONNREFUSED, ETIMEDOUT…
  return (
    typeof e?.message === 'string' &&
    /^Connection terminated|^Client has encountered a connection error|^timeout exceeded when trying to connect/.test(e.message)
  )
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as {code?: string; cause?: {code?: string}}
  return e?.code === UNIQUE_VIOLATION || e?.cause?.code === UNIQUE_VIOLATION
}
