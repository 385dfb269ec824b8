/**
 * Webhook delivery ids (and accepted signatures) on PostgreSQL, shared by every daemon: one row
 * per key with the run its first delivery started and when it is forgotten.
 *
 * `load`/`save` are what the daemon's replay guard uses (it keeps the map in memory). Two daemons
 * each saving their own map must not erase each other's entries, so `save` only adds or extends
 * rows and drops expired ones: the table is the union of what every daemon accepted.
 * `remember` is the atomic check-and-record for one key, for a guard that must see other
 * daemons' deliveries at once (a replay sent to another machine).
 */
import type {SeenWebhook, WebhookDeliveryStore} from '../types.js'
import type {Db} from './db.js'

export class PgWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<Record<string, SeenWebhook>> {
    const rows = await this.db.query<{id: string; run: string; until_ms: string}>(
      `SELECT id, run, until_ms FROM ${this.db.t('webhook_deliveries')} WHERE until_ms > $1`,
      [this.now()],
    )
    return Object.fromEntries(rows.map((r) => [r.id, {run: r.run, until: Number(r.until_ms)}]))
  }

  async save(seen: Record<string, SeenWebhook>): Promise<void> {
    const table = this.db.t('webhook_deliveries')
    const entries = Object.entries(seen)
    await this.db.tx(async (c) => {
      if (entries.length > 0) {
        await c.query(
          `INSERT INTO ${table} (id, run, until_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
           ON CONFLICT (id) DO UPDATE SET run = excluded.run, until_ms = greatest(${table}.until_ms, excluded.until_ms)`,
          [entries.map(([k]) => k), entries.map(([, v]) => v.run), entries.map(([, v]) => v.until)],
        )
      }
      await c.query(`DELETE FROM ${table} WHERE until_ms <= $1`, [this.now()])
    })
  }

  /**
   * Record `id` as accepted at `at` for `windowMs`, for run `run`; false (nothing changed) when
   * it was accepted within its window already: a replay, on whatever machine the first came in.
   */
  async remember(id: string, run: string, at: number, windowMs: number): Promise<boolean> {
    const table = this.db.t('webhook_deliveries')
    const rows = await this.db.query(
      `INSERT INTO ${table} (id, run, until_ms) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET run = excluded.run, until_ms = excluded.until_ms WHERE ${table}.until_ms <= $4 RETURNING id`,
      [id, run, at + windowMs, at],
    )
    return rows.length > 0
  }

  /** `remember` now, answering with the run that holds the key (this one when first). */
  async claim(key: string, run: string, ttlMs: number): Promise<{run: string; first: boolean; until: number}> {
    const now = this.now()
    if (await this.remember(key, run, now, ttlMs)) return {run, first: true, until: now + ttlMs}
    const rows = await this.db.query<{run: string; until_ms: string}>(`SELECT run, until_ms FROM ${this.db.t('webhook_deliveries')} WHERE id = $1`, [key])
    return {run: rows[0]?.run ?? run, first: false, until: rows[0] ? Number(rows[0].until_ms) : now + ttlMs}
  }

  async forget(keys: string[], run: string): Promise<void> {
    if (keys.length === 0) return
    await this.db.query(`DELETE FROM ${this.db.t('webhook_deliveries')} WHERE id = ANY($1::text[]) AND run = $2`, [keys, run])
  }
}
