/**
 * `PgStore`: the `Store` on PostgreSQL (team mode). Any number of processes on any machines
 * open it on the same database and schema and share runs, journals, leases, the inbox, queues,
 * the change feed, kv, resources, webhook delivery ids and the callback key. Secrets never go
 * here: nothing in this interface carries one, and journal events pass through the caller's
 * redaction (`redactWith`) before they are staged.
 *
 * `openPgStore` creates or migrates the schema first (schema.ts), once per process.
 */
import crypto from 'node:crypto'
import type {Store} from '../types.js'
import {openDb, whenReady, type Db} from './db.js'
import {PgInboxStore} from './inbox.js'
import {PgJournalStore} from './journal.js'
import {holderBase, PgLeaseStore, type LeaseOptions} from './leases.js'
import {PgKvStore} from './kv.js'
import {PgQueueStore} from './queue.js'
import {PgResourceStore} from './resources.js'
import {PgRunStore} from './runs.js'
import {ensureSchema} from './schema.js'
import {PgScheduleMarkStore} from './schedules.js'
import {PgSignalStore} from './signals.js'
import {PgWebhookDeliveryStore} from './webhooks.js'

export const DEFAULT_SCHEMA = 'breyta'

export interface PgStoreOptions extends LeaseOptions {
  /** postgres://… (from a secret or BREYTA_STORE_URL; never logged). */
  url: string
  /** The PostgreSQL schema holding this store's tables (default `breyta`). */
  schema?: string
  /** Connections in the pool (default 10). */
  poolMax?: number
  /** Clock for kv expiry and webhook windows (tests). */
  now?: () => number
}

export class PgStore implements Store {
  readonly kind = 'postgres' as const
  readonly runs: PgRunStore
  readonly journals: PgJournalStore
  readonly leases: PgLeaseStore
  readonly inbox: PgInboxStore
  readonly queue: PgQueueStore
  readonly signals: PgSignalStore
  readonly webhooks: PgWebhookDeliveryStore
  readonly kv: PgKvStore
  readonly resources: PgResourceStore
  readonly schedules: PgScheduleMarkStore
  private key: Buffer | undefined
  private closing: Promise<void> | undefined

  constructor(
    readonly db: Db,
    options: Omit<PgStoreOptions, 'url' | 'schema' | 'poolMax'> = {},
  ) {
    this.runs = new PgRunStore(db)
    this.journals = new PgJournalStore(db)
    this.leases = new PgLeaseStore(db, holderBase(), options)
    this.signals = new PgSignalStore(db)
    this.inbox = new PgInboxStore(db, this.signals)
    this.queue = new PgQueueStore(db)
    this.webhooks = new PgWebhookDeliveryStore(db, options.now)
    this.kv = new PgKvStore(db, options.now === undefined ? {} : {now: options.now})
    this.resources = new PgResourceStore(db)
    this.schedules = new PgScheduleMarkStore(db)
  }

  /** Created by the first process that asks; every later one, on any machine, reads the same key. */
  async callbackKey(): Promise<Buffer> {
    if (this.key !== undefined) return this.key
    const table = this.db.t('callback_key')
    await this.db.query(`INSERT INTO ${table} (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [crypto.randomBytes(32)])
    const rows = await this.db.query<{key: Buffer}>(`SELECT key FROM ${table} WHERE id = 1`)
    this.key = rows[0]!.key
    return this.key
  }

  /**
   * Flush what is staged, stop renewing leases and disconnect. Leases are not deleted: a run
   * still held expires and is taken over, exactly as after a crash (callers release what they
   * finished with).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.journals.committer.kick().catch(() => {})
      this.leases.stopAll()
      await this.signals.close()
      await this.db.end()
    })()
    return this.closing
  }
}

export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const db = openDb(options.url, options.schema ?? DEFAULT_SCHEMA, options.poolMax === undefined ? {} : {max: options.poolMax})
  try {
    await ensureSchema(db)
  } catch (err) {
    await db.end().catch(() => {})
    throw err
  }
  return new PgStore(db, options)
}

/**
 * The same store without waiting: the schema is brought up to date by its first query, so
 * opening a workspace costs no round trip and a command that never touches run state never
 * connects. Errors (server unreachable, newer schema) come from that first use.
 */
export function connectPgStore(options: PgStoreOptions): PgStore {
  const raw = openDb(options.url, options.schema ?? DEFAULT_SCHEMA, options.poolMax === undefined ? {} : {max: options.poolMax})
  return new PgStore(
    whenReady(raw, () => ensureSchema(raw)),
    options,
  )
}
