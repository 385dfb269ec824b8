/**
 * The change feed on PostgreSQL. Two kinds, as in the files store:
 * - a daemon signal ("look at this run"): a `signals` row, kept until a daemon clears it, so
 *   a daemon that was down or busy finds it with `pending()`;
 * - a change notice for watchers (TUI, `runs watch`, daemons): `NOTIFY` on the store's channel
 *   with the run id as payload; every process that `LISTEN`s, on any machine, hears it.
 * A signal also notifies, so a listening daemon wakes at once instead of at its next sweep.
 *
 * One listening connection per store, opened with the first watch and closed with the last. If
 * it drops, it is reopened after a second; notices sent meanwhile are lost, which watchers
 * already tolerate (the daemon's sweep reads `pending()`; the TUI re-reads on the next notice).
 */
import type {RunChangeWatch, SignalStore} from '../types.js'
import type {Client, Db} from './db.js'

const RECONNECT_MS = 1000

export class PgSignalStore implements SignalStore {
  private readonly channel: string
  private readonly watchers = new Set<(runId: string) => void>()
  private listener: Client | undefined
  private reconnect: NodeJS.Timeout | undefined

  constructor(private readonly db: Db) {
    this.channel = `breyta_changes_${db.schema}`
  }

  async signal(runId: string): Promise<void> {
    await this.db.query(`WITH s AS (INSERT INTO ${this.db.t('signals')} (run) VALUES ($1) ON CONFLICT (run) DO UPDATE SET at = now()) SELECT pg_notify($2, $1)`, [runId, this.channel])
  }

  async noteChanged(runId: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, runId])
  }

  async pending(): Promise<string[]> {
    return (await this.db.query<{run: string}>(`SELECT run FROM ${this.db.t('signals')} ORDER BY at, run`)).map((r) => r.run)
  }

  async clear(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.db.t('signals')} WHERE run = $1`, [runId])
  }

  watch(onChange: (runId: string) => void): RunChangeWatch {
    // Each watch gets its own function object, so one callback watched twice is two watches.
    const fn = (runId: string) => onChange(runId)
    this.watchers.add(fn)
    if (this.watchers.size === 1) this.listen()
    return {
      close: async () => {
        this.watchers.delete(fn)
        if (this.watchers.size === 0) await this.unlisten()
      },
    }
  }

  /** Open the listening connection (again after a drop) while anyone watches. */
  private listen(): void {
    const client = this.db.dedicatedClient()
    this.listener = client
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return
      for (const fn of [...this.watchers]) fn(msg.payload)
    })
    const retry = () => {
      if (this.listener !== client) return
      this.listener = undefined
      void client.end().catch(() => {})
      if (this.watchers.size > 0) {
        this.reconnect = setTimeout(() => {
          this.reconnect = undefined
          if (this.watchers.size > 0 && this.listener === undefined) this.listen()
        }, RECONNECT_MS)
        this.reconnect.unref()
      }
    }
    client.on('error', retry)
    client.on('end', retry)
    client
      .connect()
      .then(() => client.query(`LISTEN "${this.channel}"`))
      .catch(retry)
  }

  private async unlisten(): Promise<void> {
    if (this.reconnect !== undefined) clearTimeout(this.reconnect)
    this.reconnect = undefined
    const client = this.listener
    this.listener = undefined
    if (client !== undefined) await client.end().catch(() => {})
  }

  async close(): Promise<void> {
    this.watchers.clear()
    await this.unlisten()
  }
}
