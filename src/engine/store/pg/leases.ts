/**
 * Run leases on PostgreSQL: a `leases` row per run names its holder and an expiry on the
 * database's clock. The holder renews it on a timer; a holder that dies (kill -9, machine gone)
 * stops renewing, and once the expiry passes any other process may take the run over with one
 * conditional upsert. No consensus of ours: the row and PostgreSQL's own locking decide.
 *
 * Every acquisition gets a holder id of its own, and journal inserts are fenced on it
 * (journal.ts): a process that lost its lease can write nothing more, even if it was this one.
 * On the holder's own host a dead holder (its pid gone) is taken over at once, as the files
 * store's pid-checked lock is, so `runs resume` right after a kill -9 need not wait.
 */
import crypto from 'node:crypto'
import os from 'node:os'
import {pidAlive} from '../fs/lock.js'
import type {LeaseStore, RunLease, RunOwner} from '../types.js'
import type {Db} from './db.js'

export const DEFAULT_LEASE_MS = 15_000

export interface LeaseOptions {
  /** How long a lease lasts without renewal (default 15 s): a dead holder's runs are free after it. */
  leaseMs?: number
  /** How often a holder renews (default a third of leaseMs). */
  renewEveryMs?: number
}

interface OwnerRow {
  pid: number
  host: string
  purpose?: string
  since: string
}

let acquisitions = 0

export class PgLease implements RunLease {
  private timer: NodeJS.Timeout | undefined
  private released = false
  /** Set when a renewal found another holder: the journal refuses this lease's writes anyway. */
  lost = false
  private readonly onLostFns: (() => void)[] = []

  constructor(
    private readonly store: PgLeaseStore,
    readonly runId: string,
    readonly holder: string,
    readonly owner: string,
  ) {}

  startRenewing(everyMs: number): void {
    this.timer = setInterval(() => void this.renew(), everyMs)
    this.timer.unref()
  }

  private async renew(): Promise<void> {
    try {
      if (!(await this.store.renew(this))) {
        this.lost = true
        this.stop()
        for (const fn of this.onLostFns.splice(0)) fn()
      }
    } catch {
      // The database is unreachable: try again at the next tick; if the lease expires meanwhile,
      // fencing keeps this process's writes out and another process continues the run.
    }
  }

  onLost(fn: () => void): void {
    if (this.lost) fn()
    else this.onLostFns.push(fn)
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    this.onLostFns.length = 0
    this.stop()
    await this.store.drop(this)
  }
}

export class PgLeaseStore implements LeaseStore {
  private readonly leaseMs: number
  private readonly renewEveryMs: number
  private readonly live = new Set<PgLease>()

  constructor(
    private readonly db: Db,
    private readonly holderBase: string,
    options: LeaseOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
    this.renewEveryMs = options.renewEveryMs ?? Math.max(50, Math.floor(this.leaseMs / 3))
  }

  async tryAcquire(runId: string, purpose?: string): Promise<RunLease | undefined> {
    const holder = `${this.holderBase}/${++acquisitions}`
    const owner: OwnerRow = {pid: process.pid, host: os.hostname(), ...(purpose === undefined ? {} : {purpose}), since: new Date().toISOString()}
    const {t} = this.db
    let rows = await this.db.query(
      `INSERT INTO ${t('leases')} (run, holder, owner, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (run) DO UPDATE SET holder = excluded.holder, owner = excluded.owner, expires_at = excluded.expires_at
       WHERE ${t('leases')}.expires_at <= now()
       RETURNING holder`,
      [runId, holder, JSON.stringify(owner), this.leaseMs],
    )
    if (rows.length === 0) {
      const dead = await this.deadHolderHere(runId)
      if (dead === undefined) return undefined
      rows = await this.db.query(
        `UPDATE ${t('leases')} SET holder = $2, owner = $3, expires_at = now() + $4 * interval '1 millisecond' WHERE run = $1 AND holder = $5 RETURNING holder`,
        [runId, holder, JSON.stringify(owner), this.leaseMs, dead],
      )
      if (rows.length === 0) return undefined
    }
    const lease = new PgLease(this, runId, holder, `pid ${owner.pid} on ${owner.host}`)
    lease.startRenewing(this.renewEveryMs)
    this.live.add(lease)
    return lease
  }

  async acquire(runId: string, options: {timeoutMs?: number; purpose?: string} = {}): Promise<RunLease | undefined> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000)
    let delay = 5
    for (;;) {
      const lease = await this.tryAcquire(runId, options.purpose)
      if (lease) return lease
      if (Date.now() >= deadline) return undefined
      await new Promise((r) => setTimeout(r, Math.min(delay + Math.random() * delay, Math.max(1, deadline - Date.now()))))
      delay = Math.min(delay * 2, 100)
    }
  }

  async holder(runId: string): Promise<RunOwner | undefined> {
    const rows = await this.db.query<{owner: OwnerRow; live: boolean}>(`SELECT owner, expires_at > now() AS live FROM ${this.db.t('leases')} WHERE run = $1`, [
      runId,
    ])
    const row = rows[0]
    if (row === undefined || !row.live || isDeadHere(row.owner)) return undefined
    return {pid: row.owner.pid, host: row.owner.host, ...(row.owner.purpose === undefined ? {} : {purpose: row.owner.purpose}), since: row.owner.since}
  }

  async held(runIds: string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set()
    const rows = await this.db.query<{run: string; owner: OwnerRow}>(
      `SELECT run, owner FROM ${this.db.t('leases')} WHERE run = ANY($1::text[]) AND expires_at > now()`,
      [runIds],
    )
    return new Set(rows.filter((r) => !isDeadHere(r.owner)).map((r) => r.run))
  }

  /** Extend the lease; false when another holder has it now. */
  async renew(lease: PgLease): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${this.db.t('leases')} SET expires_at = now() + $3 * interval '1 millisecond' WHERE run = $1 AND holder = $2 RETURNING run`,
      [lease.runId, lease.holder, this.leaseMs],
    )
    return rows.length > 0
  }

  async drop(lease: PgLease): Promise<void> {
    this.live.delete(lease)
    await this.db.query(`DELETE FROM ${this.db.t('leases')} WHERE run = $1 AND holder = $2`, [lease.runId, lease.holder])
  }

  /** Drop this process's lease of a run whose handle was lost (a daemon worker died holding it); another process's stays. */
  async dropOwn(runId: string): Promise<void> {
    for (const lease of this.live) {
      if (lease.runId === runId) {
        lease.stop()
        this.live.delete(lease)
      }
    }
    await this.db.query(`DELETE FROM ${this.db.t('leases')} WHERE run = $1 AND starts_with(holder, $2)`, [runId, processHolderPrefix()])
  }

  /** Stop renewing everything (the store is closing); the rows expire by themselves. */
  stopAll(): void {
    for (const lease of this.live) lease.stop()
    this.live.clear()
  }

  /** The holder id of a lease whose owner is a dead process on this host, if that is the case. */
  private async deadHolderHere(runId: string): Promise<string | undefined> {
    const rows = await this.db.query<{holder: string; owner: OwnerRow}>(`SELECT holder, owner FROM ${this.db.t('leases')} WHERE run = $1`, [runId])
    const row = rows[0]
    return row !== undefined && isDeadHere(row.owner) ? row.holder : undefined
  }
}

function isDeadHere(owner: OwnerRow): boolean {
  return owner.host === os.hostname() && owner.pid !== process.pid && !pidAlive(owner.pid)
}

/** What every holder id of this process starts with. */
function processHolderPrefix(): string {
  return `${os.hostname()}:${process.pid}:`
}

/** This store instance's part of every holder id: host, pid and a random tag (two stores in one process differ). */
export function holderBase(): string {
  return `${processHolderPrefix()}${crypto.randomBytes(4).toString('hex')}`
}
