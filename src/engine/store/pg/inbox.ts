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
    if ((await this.insert(runId, entry)).length === 0) return false
    await this.signals.signal(runId)
    return true
  }

  private async insert(runId: string, entry: InboxEntry): Promise<unknown[]> {
    try {
      await this.db.ready()
      return (
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
  }

  /** The entry itself, without a signal: the claimer journals it; if it dies first, the next advance does. */
  async claim(runId: string, entry: InboxEntry): Promise<boolean> {
    return (await this.insert(runId, entry)).length > 0
  }

  /** This claim's row only (its text is what claim wrote): never a completion posted for the key. */
  async unclaim(runId: string, entry: InboxEntry): Promise<void> {
    await this.db.query(`DELETE FROM ${this.db.t('inbox')} WHERE run = $1 AND key = $2 AND entry::text = $3`, [runId, entry.key, JSON.stringify(entry)])
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
