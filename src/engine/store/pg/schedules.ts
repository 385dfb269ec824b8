/**
 * Schedule watermarks on PostgreSQL: one row per (flow, trigger) with the last tick fired. A
 * daemon claims a tick with one conditional upsert that moves the mark forward only when it is
 * behind; of every daemon that tries, exactly one gets the row back and starts the run.
 * Ticks are ISO-8601 UTC texts, compared in byte order (COLLATE "C") as the files store does.
 */
import type {ScheduleMarkStore} from '../types.js'
import type {Db} from './db.js'

export class PgScheduleMarkStore implements ScheduleMarkStore {
  constructor(private readonly db: Db) {}

  async read(slug: string): Promise<Record<string, string>> {
    const rows = await this.db.query<{trigger: string; tick: string}>(`SELECT trigger, tick FROM ${this.db.t('schedule_marks')} WHERE slug = $1`, [slug])
    return Object.fromEntries(rows.map((r) => [r.trigger, r.tick]))
  }

  async init(slug: string, marks: Record<string, string>): Promise<void> {
    const entries = Object.entries(marks)
    if (entries.length === 0) return
    await this.db.query(
      `INSERT INTO ${this.db.t('schedule_marks')} (slug, trigger, tick) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT (slug, trigger) DO NOTHING`,
      [slug, entries.map(([k]) => k), entries.map(([, v]) => v)],
    )
  }

  async claim(slug: string, trigger: string, tick: string): Promise<boolean> {
    const table = this.db.t('schedule_marks')
    const rows = await this.db.query(
      `INSERT INTO ${table} (slug, trigger, tick) VALUES ($1, $2, $3)
       ON CONFLICT (slug, trigger) DO UPDATE SET tick = excluded.tick WHERE ${table}.tick COLLATE "C" < excluded.tick COLLATE "C"
       RETURNING slug`,
      [slug, trigger, tick],
    )
    return rows.length > 0
  }
}
