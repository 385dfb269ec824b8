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
 *
 * `consume` (the daemon's side) takes a signal by deleting its row: of several daemons woken by
 * one notice exactly one gets it; its sweep (`FOR UPDATE SKIP LOCKED`, so sweeping daemons do
 * not queue behind each other) finds what a lost notice did not deliver.
 *
 * `mute` is recorded but does not silence `signal` here: in team mode the run may be held by
 * another daemon, which learns of a decision or a callback this one accepted only through the
 * signal (with files, a muted daemon is the only executor there is). A daemon may thus wake for
 * its own change; the run's lease makes that a no-op.
 */
import type {RunChangeWatch, SignalStore} from '../types.js'
import type {Client, Db} from './db.js'

const RECONNECT_MS = 1000
const SWEEP_MS = 1000

export class PgSignalStore implements SignalStore {
  /** Change notices (watchers) and daemon signals (consumers) go on two channels, so consumers hear only signals. */
  private readonly channel: string
  private readonly signalChannel: string
  private readonly watchers = new Set<(runId: string) => void>()
  private readonly consumers = new Set<(runId: string) => void>()
  private listener: Client | undefined
  private reconnect: NodeJS.Timeout | undefined
  /** Open consumers' closers, so closing the store stops their sweeps. */
  private readonly consuming = new Set<() => Promise<void>>()
  /** See the module comment: kept for the interface, not acted on. */
  muted = false

  constructor(private readonly db: Db) {
    this.channel = `breyta_changes_${db.schema}`
    this.signalChannel = `breyta_signals_${db.schema}`
  }

  async signal(runId: string): Promise<void> {
    await this.db.query(
      `WITH s AS (INSERT INTO ${this.db.t('signals')} (run) VALUES ($1) ON CONFLICT (run) DO UPDATE SET at = now()) SELECT pg_notify($2, $1), pg_notify($3, $1)`,
      [runId, this.channel, this.signalChannel],
    )
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

  mute(on = true): void {
    this.muted = on
  }

  /** Take the signal of one run; true when this caller got it (another consumer may have been first). */
  private async take(runId: string): Promise<boolean> {
    return (await this.db.query(`DELETE FROM ${this.db.t('signals')} WHERE run = $1 RETURNING run`, [runId])).length > 0
  }

  /** Take up to 100 pending signals, oldest first, skipping rows another consumer is taking. */
  private async takePending(): Promise<string[]> {
    const table = this.db.t('signals')
    const rows = await this.db.query<{run: string}>(
      `DELETE FROM ${table} WHERE run IN (SELECT run FROM ${table} ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING run`,
    )
    return rows.map((r) => r.run)
  }

  consume(onRun: (runId: string) => void): RunChangeWatch {
    let closed = false
    const deliver = (runId: string) => {
      if (!closed) onRun(runId)
    }
    const sweep = () => {
      this.takePending().then(
        (ids) => ids.forEach(deliver),
        () => {},
      )
    }
    const fn = (runId: string) => {
      this.take(runId).then(
        (got) => got && deliver(runId),
        () => {},
      )
    }
    this.subscribe(this.consumers, fn)
    const timer = setInterval(sweep, SWEEP_MS)
    timer.unref()
    sweep()
    const close = async () => {
      closed = true
      clearInterval(timer)
      this.consuming.delete(close)
      await this.unsubscribe(this.consumers, fn)
    }
    this.consuming.add(close)
    return {close}
  }

  watch(onChange: (runId: string) => void): RunChangeWatch {
    // Each watch gets its own function object, so one callback watched twice is two watches.
    const fn = (runId: string) => onChange(runId)
    this.subscribe(this.watchers, fn)
    return {close: () => this.unsubscribe(this.watchers, fn)}
  }

  private get listening(): number {
    return this.watchers.size + this.consumers.size
  }

  private subscribe(set: Set<(runId: string) => void>, fn: (runId: string) => void): void {
    set.add(fn)
    if (this.listening === 1) this.listen()
  }

  private async unsubscribe(set: Set<(runId: string) => void>, fn: (runId: string) => void): Promise<void> {
    set.delete(fn)
    if (this.listening === 0) await this.unlisten()
  }

  /** Open the listening connection (again after a drop) while anyone watches. */
  private listen(): void {
    const client = this.db.dedicatedClient()
    this.listener = client
    client.on('notification', (msg) => {
      if (!msg.payload) return
      const set = msg.channel === this.channel ? this.watchers : msg.channel === this.signalChannel ? this.consumers : undefined
      for (const fn of [...(set ?? [])]) fn(msg.payload)
    })
    const retry = () => {
      if (this.listener !== client) return
      this.listener = undefined
      void client.end().catch(() => {})
      if (this.listening > 0) {
        this.reconnect = setTimeout(() => {
          this.reconnect = undefined
          if (this.listening > 0 && this.listener === undefined) this.listen()
        }, RECONNECT_MS)
        this.reconnect.unref()
      }
    }
    client.on('error', retry)
    client.on('end', retry)
    client
      .connect()
      .then(() => client.query(`LISTEN "${this.channel}"; LISTEN "${this.signalChannel}"`))
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
    await Promise.all([...this.consuming].map((close) => close()))
    this.watchers.clear()
    this.consumers.clear()
    await this.unlisten()
  }
}
