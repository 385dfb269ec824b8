/**
 * Per-flow concurrency queues on PostgreSQL: one row per flow holding its entries. `withQueue`
 * runs its function inside a transaction that holds the flow's advisory lock (an advisory lock,
 * not the row's lock, because a flow's first caller finds no row to lock), so callers on every
 * machine take their turn and each sees what the one before wrote. Waiting is bounded by
 * `lock_timeout`; past it the caller gets `internal`, as with the files store's queue lock.
 *
 * Callers in one process queue up in memory per flow before they take a connection (from the
 * db's small lock pool), so a crowd of them waiting for the lock cannot hold every connection
 * the caller inside needs for its own queries: that deadlocked with one pool.
 */
import {BreytaError} from '../../errors.js'
import type {QueueEntry, QueueStore, QueueUpdate} from '../types.js'
import type {Db} from './db.js'

const QUEUE_LOCK_TIMEOUT_MS = 30_000
const LOCK_NOT_AVAILABLE = '55P03'

type QueueFn<T> = (entries: QueueEntry[] | undefined) => QueueUpdate<T> | Promise<QueueUpdate<T>>

function lockTimedOut(slug: string, timeoutMs: number): BreytaError {
  return new BreytaError('internal', `the queue lock of flow "${slug}" stayed held for ${timeoutMs} ms`, {
    hint: 'Another breyta process is stuck holding it; it is freed when that process exits or its connection drops.',
  })
}

export class PgQueueStore implements QueueStore {
  /** The last caller in line per flow in this process: the next one starts when it ends. */
  private readonly tails = new Map<string, Promise<unknown>>()

  constructor(private readonly db: Db) {}

  withQueue<T>(slug: string, fn: QueueFn<T>, options: {timeoutMs?: number} = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? QUEUE_LOCK_TIMEOUT_MS
    const deadline = Date.now() + timeoutMs
    const before = this.tails.get(slug) ?? Promise.resolve()
    const mine = before.catch(() => {}).then(() => this.locked(slug, fn, deadline, timeoutMs))
    const tail = mine.catch(() => {})
    this.tails.set(slug, tail)
    void tail.then(() => {
      if (this.tails.get(slug) === tail) this.tails.delete(slug)
    })
    return mine
  }

  private async locked<T>(slug: string, fn: QueueFn<T>, deadline: number, timeoutMs: number): Promise<T> {
    const left = deadline - Date.now()
    if (left <= 0) throw lockTimedOut(slug, timeoutMs)
    const table = this.db.t('queues')
    try {
      return await this.db.tx(
        async (c) => {
          await c.query(`SET LOCAL lock_timeout = ${Math.ceil(left)}`)
          await c.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [`breyta.queue.${this.db.schema}`, slug])
          await c.query('SET LOCAL lock_timeout = 0')
          const rows = (await c.query<{entries: QueueEntry[]}>(`SELECT entries FROM ${table} WHERE slug = $1`, [slug])).rows
          const {entries, result} = await fn(rows[0]?.entries)
          if (entries) {
            const sorted = [...entries].sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0))
            await c.query(`INSERT INTO ${table} (slug, entries) VALUES ($1, $2) ON CONFLICT (slug) DO UPDATE SET entries = excluded.entries`, [
              slug,
              JSON.stringify(sorted),
            ])
          }
          return result
        },
        {pool: 'locks'},
      )
    } catch (err) {
      const cause = (err as {cause?: {code?: string}}).cause
      if (cause?.code === LOCK_NOT_AVAILABLE) throw lockTimedOut(slug, timeoutMs)
      throw err
    }
  }

  async read(slug: string): Promise<QueueEntry[] | undefined> {
    const rows = await this.db.query<{entries: QueueEntry[]}>(`SELECT entries FROM ${this.db.t('queues')} WHERE slug = $1`, [slug])
    return rows[0]?.entries
  }

  async slugs(): Promise<string[]> {
    const rows = await this.db.query<{slug: string}>(
      `SELECT slug FROM ${this.db.t('queues')} WHERE entries::jsonb @> '[{"state": "queued"}]' ORDER BY slug COLLATE "C"`,
    )
    return rows.map((r) => r.slug)
  }
}
