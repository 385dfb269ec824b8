/**
 * Per-flow concurrency queues on PostgreSQL: one row per flow holding its entries. `withQueue`
 * runs its function inside a transaction that holds that row's lock (`SELECT … FOR UPDATE`), so
 * callers on every machine take their turn and each sees what the one before wrote. The
 * function runs with a connection held: it must not wait on another `withQueue` of the same flow.
 *
 * Callers in one process queue up in memory per flow before they take a connection (from the
 * db's small lock pool), so a crowd of them waiting for the row lock cannot hold every
 * connection the caller inside needs for its own queries: that deadlocked with one pool.
 */
import type {QueueEntry, QueueStore} from '../types.js'
import type {Db} from './db.js'

export class PgQueueStore implements QueueStore {
  /** The last caller in line per flow in this process: the next one starts when it ends. */
  private readonly tails = new Map<string, Promise<unknown>>()

  constructor(private readonly db: Db) {}

  withQueue<T>(slug: string, fn: (entries: QueueEntry[]) => Promise<{entries: QueueEntry[]; result: T}>): Promise<T> {
    const before = this.tails.get(slug) ?? Promise.resolve()
    const mine = before.catch(() => {}).then(() => this.locked(slug, fn))
    const tail = mine.catch(() => {})
    this.tails.set(slug, tail)
    void tail.then(() => {
      if (this.tails.get(slug) === tail) this.tails.delete(slug)
    })
    return mine
  }

  private locked<T>(slug: string, fn: (entries: QueueEntry[]) => Promise<{entries: QueueEntry[]; result: T}>): Promise<T> {
    const table = this.db.t('queues')
    return this.db.tx(
      async (c) => {
        await c.query(`INSERT INTO ${table} (slug, entries) VALUES ($1, '[]') ON CONFLICT (slug) DO NOTHING`, [slug])
        const rows = (await c.query<{entries: QueueEntry[]}>(`SELECT entries FROM ${table} WHERE slug = $1 FOR UPDATE`, [slug])).rows
        const {entries, result} = await fn(rows[0]?.entries ?? [])
        await c.query(`UPDATE ${table} SET entries = $2 WHERE slug = $1`, [slug, JSON.stringify(entries)])
        return result
      },
      {pool: 'locks'},
    )
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
