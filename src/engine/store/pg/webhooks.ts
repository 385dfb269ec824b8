/**
 * Webhook delivery ids (and accepted signatures) on PostgreSQL, shared by every daemon so a
 * replay sent to another machine starts nothing either. One upsert decides: a new id, or one
 * whose window has passed, is (re)remembered; a live one is a replay. Entries past their window
 * are purged as new ones arrive.
 */
import type {WebhookDeliveryStore} from '../types.js'
import type {Db} from './db.js'

export class PgWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: Db) {}

  async remember(id: string, at: number, windowMs: number): Promise<boolean> {
    const table = this.db.t('webhook_deliveries')
    const rows = await this.db.query(
      `INSERT INTO ${table} (id, until_ms) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET until_ms = excluded.until_ms WHERE ${table}.until_ms <= $3 RETURNING id`,
      [id, at + windowMs, at],
    )
    await this.db.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE until_ms <= $1 LIMIT 100)`, [at])
    return rows.length > 0
  }
}
