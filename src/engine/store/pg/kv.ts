/**
 * The workspace kv store on PostgreSQL, with the semantics of the SQLite one (store/fs/kv-store.ts):
 * values in the lossless EDN-as-JSON encoding, expiry as an absolute epoch-ms column (expired
 * rows read as absent and are purged lazily), and `incr` with a ttl as a fixed-window counter.
 * A read-modify-write (incr, delete) holds a transaction-level advisory lock on its key, so two
 * increments on two machines serialize instead of both reading the old value.
 */
import {decode, encode, type Json} from '../../edn/json.js'
import type {Value} from '../../edn/values.js'
import {BreytaError} from '../../errors.js'
import type {KvEntry, KvListOptions, KvStore} from '../types.js'
import type {Db, PoolClient} from './db.js'

interface Row {
  namespace: string
  key: string
  value: string
  expires_ms: string | null
}

function toEntry(row: Row): KvEntry {
  return {
    key: row.key,
    namespace: row.namespace,
    value: decode(JSON.parse(row.value) as Json),
    expiresAt: row.expires_ms === null ? null : new Date(Number(row.expires_ms)).toISOString(),
  }
}

function checkName(what: string, v: string): void {
  if (typeof v !== 'string' || v === '') throw new BreytaError('invalid_input', `kv ${what} must be a non-empty string`)
}

function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && (!Number.isFinite(ttlMs) || ttlMs <= 0))
    throw new BreytaError('invalid_input', `kv ttl must be a positive duration, got ${ttlMs} ms`)
}

export class PgKvStore implements KvStore {
  private readonly now: () => number

  constructor(
    private readonly db: Db,
    options: {now?: () => number} = {},
  ) {
    this.now = options.now ?? Date.now
  }

  private async live(c: Pick<PoolClient, 'query'> | undefined, ns: string, key: string): Promise<Row | undefined> {
    const sql = `SELECT namespace, key, value, expires_ms FROM ${this.db.t('kv')} WHERE namespace = $1 AND key = $2 AND (expires_ms IS NULL OR expires_ms > $3)`
    const params = [ns, key, this.now()]
    const rows = c === undefined ? await this.db.query<Row>(sql, params) : (await c.query<Row>(sql, params)).rows
    return rows[0]
  }

  private async write(c: Pick<PoolClient, 'query'>, ns: string, key: string, value: Value, expiresMs: number | null): Promise<void> {
    await c.query(
      `INSERT INTO ${this.db.t('kv')} (namespace, key, value, expires_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms`,
      [ns, key, JSON.stringify(encode(value)), expiresMs],
    )
  }

  /** Run `fn` in a transaction holding this key's advisory lock (kv keys of this store only). */
  private exclusive<T>(ns: string, key: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.db.tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [`breyta.kv.${this.db.schema}`, JSON.stringify([ns, key])])
      return fn(c)
    })
  }

  async get(ns: string, key: string): Promise<Value | null> {
    return (await this.entry(ns, key))?.value ?? null
  }

  async entry(ns: string, key: string): Promise<KvEntry | null> {
    checkName('namespace', ns)
    checkName('key', key)
    const row = await this.live(undefined, ns, key)
    return row === undefined ? null : toEntry(row)
  }

  async set(ns: string, key: string, value: Value, options: {ttlMs?: number} = {}): Promise<void> {
    checkName('namespace', ns)
    checkName('key', key)
    checkTtl(options.ttlMs)
    const now = this.now()
    await this.db.ready()
    await this.write(this.db.pool, ns, key, value, options.ttlMs === undefined ? null : now + options.ttlMs)
    // Lazy purge keeps dead keys from piling up; bounded so a set stays cheap.
    const table = this.db.t('kv')
    await this.db.query(
      `DELETE FROM ${table} WHERE (namespace, key) IN (SELECT namespace, key FROM ${table} WHERE expires_ms IS NOT NULL AND expires_ms <= $1 LIMIT 100)`,
      [now],
    )
  }

  async delete(ns: string, key: string): Promise<boolean> {
    checkName('namespace', ns)
    checkName('key', key)
    const rows = await this.db.query<{live: boolean}>(
      `DELETE FROM ${this.db.t('kv')} WHERE namespace = $1 AND key = $2 RETURNING (expires_ms IS NULL OR expires_ms > $3) AS live`,
      [ns, key, this.now()],
    )
    return rows[0]?.live ?? false
  }

  async incr(ns: string, key: string, by = 1, options: {ttlMs?: number} = {}): Promise<number> {
    checkName('namespace', ns)
    checkName('key', key)
    checkTtl(options.ttlMs)
    if (!Number.isFinite(by)) throw new BreytaError('invalid_input', 'kv incr: the increment must be a number')
    return this.exclusive(ns, key, async (c) => {
      const row = await this.live(c, ns, key)
      let current = 0
      let expiresMs: number | null = options.ttlMs === undefined ? null : this.now() + options.ttlMs
      if (row !== undefined) {
        const v = toEntry(row).value
        if (typeof v === 'bigint') current = Number(v)
        else if (typeof v === 'number') current = v
        else throw new BreytaError('invalid_input', `kv incr: ${ns}/${key} holds a non-number`, {hint: 'Set it to a number first, or delete it.'})
        expiresMs = row.expires_ms === null ? null : Number(row.expires_ms)
      }
      const next = current + by
      await this.write(c, ns, key, next, expiresMs)
      return next
    })
  }

  async list(ns: string, options: KvListOptions = {}): Promise<KvEntry[]> {
    checkName('namespace', ns)
    const params: unknown[] = [ns, this.now()]
    let sql = `SELECT namespace, key, value, expires_ms FROM ${this.db.t('kv')} WHERE namespace = $1 AND (expires_ms IS NULL OR expires_ms > $2)`
    if (options.prefix !== undefined && options.prefix !== '') {
      // starts_with, not LIKE: a prefix may contain % or _.
      params.push(options.prefix)
      sql += ` AND starts_with(key, $${params.length})`
    }
    if (options.after !== undefined) {
      params.push(options.after)
      sql += ` AND key COLLATE "C" > $${params.length}`
    }
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    sql += ' ORDER BY key COLLATE "C"'
    if (options.limit !== undefined && options.limit >= 0) {
      params.push(options.limit)
      sql += ` LIMIT $${params.length}`
    }
    return (await this.db.query<Row>(sql, params)).map(toEntry)
  }

  async namespaces(): Promise<string[]> {
    const rows = await this.db.query<{namespace: string}>(
      `SELECT DISTINCT namespace COLLATE "C" AS namespace FROM ${this.db.t('kv')} WHERE expires_ms IS NULL OR expires_ms > $1 ORDER BY 1`,
      [this.now()],
    )
    return rows.map((r) => r.namespace)
  }
}
