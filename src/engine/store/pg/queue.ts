/**
 * Per-flow concurrency queues on PostgreSQL: one row per flow holding its entries. `withQueue`
 * runs its function inside a transaction that holds that row's lock (`SELECT … FOR UPDATE`), so
 * callers on every machine take their turn and each sees what the one before wrote. The
 * function runs with a connection held: it must not wait on another `withQueue` of the same flow.
 */
import type {QueueEntry, QueueStore} from '../types.js'
import type {Db} from './db.js'

export class PgQueueStore implements QueueStore {
  constructor(private readonly db: Db) {}

  async withQueue<T>(slug: string, fn: (entries: QueueEntry[]) => Promise<{entries: QueueEntry[]; result: T}>): Promise<T> {
    const table = this.db.t('queues')
    return this.db.tx(async (c) => {
      await c.query(`INSERT INTO ${table} (slug, entries) VALUES ($1, '[]') ON CONFLICT (slug) DO NOTHING`, [slug])
      const rows = (await c.query<{entries: QueueEntry[]}>(`SELECT entries FROM ${table} WHERE slug = $1 FOR UPDATE`, [slug])).rows
      const {entries, result} = await fn(rows[0]?.entries ?? [])
      await c.query(`UPDATE ${table} SET entries = $2 WHERE slug = $1`, [slug, JSON.stringify(entries)])
      return result
    })
  }

  async read(slug: string): Promise<QueueEntry[]> {
    const rows = await this.db.query<{entries: QueueEntry[]}>(`SELECT entries FROM ${this.db.t('queues')} WHERE slug = $1`, [slug])
    return rows[0]?.entries ?? []
  }

  async slugs(): Promise<string[]> {
    const rows = await this.db.query<{slug: string}>(`SELECT slug FROM ${this.db.t('queues')} WHERE entries::jsonb @> '[{"queued": true}]' ORDER BY slug`)
    return rows.map((r) => r.slug)
  }
}
