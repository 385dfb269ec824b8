/**
 * The wait inbox on PostgreSQL: one row per (run, wait key). The primary key makes exactly one
 * completion win, whichever machine it was posted to; the run's executor, wherever it runs,
 * moves inbox entries into the journal. A post commits before it answers, so a 202 or an exit 0
 * promises the completion is stored.
 */
import {BreytaError} from '../../errors.js'
import type {InboxEntry, InboxStore, SignalStore} from '../types.js'
import {storeError, type Db} from './db.js'

export class PgInboxStore implements InboxStore {
  constructor(
    private readonly db: Db,
    private readonly signals: SignalStore,
  ) {}

  async post(runId: string, entry: InboxEntry): Promise<boolean> {
    let rows: unknown[]
    try {
      await this.db.ready()
      rows = (
        await this.db.pool.query(`INSERT INTO ${this.db.t('inbox')} (run, key, entry) VALUES ($1, $2, $3) ON CONFLICT (run, key) DO NOTHING RETURNING key`, [
          runId,
          entry.key,
          JSON.stringify(entry),
        ])
      ).rows
    } catch (err) {
      if ((err as {code?: string}).code === '23503') throw new BreytaError('run_not_found', `no run "${runId}"`, {hint: 'List runs with `breyta runs list`.'})
      throw storeError(err, this.db.where, runId)
    }
    if (rows.length === 0) return false
    await this.signals.signal(runId)
    return true
  }

  async read(runId: string): Promise<InboxEntry[]> {
    return (await this.db.query<{entry: InboxEntry}>(`SELECT entry FROM ${this.db.t('inbox')} WHERE run = $1 ORDER BY n`, [runId])).map((r) => r.entry)
  }

  async has(runId: string, key: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM ${this.db.t('inbox')} WHERE run = $1 AND key = $2`, [runId, key])).length > 0
  }

  async keysOf(runIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    if (runIds.length === 0) return out
    for (const r of await this.db.query<{run: string; key: string}>(`SELECT run, key FROM ${this.db.t('inbox')} WHERE run = ANY($1::text[]) ORDER BY n`, [
      runIds,
    ])) {
      out.set(r.run, [...(out.get(r.run) ?? []), r.key])
    }
    return out
  }
}
