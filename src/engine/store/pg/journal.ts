/**
 * Journals on PostgreSQL: one `events` row per event, primary key `(run, seq)`, so two writers
 * can never both append the same step: the second insert of a seq is a unique violation.
 *
 * Group commit: a handle's `append` only stages rows; `durable()` asks the store's one
 * committer to flush, which writes every row staged so far, of every run this process advances,
 * with ONE insert. Appends made while a flush is in flight share the next one, which starts as
 * soon as it ends (the same shape as the files store's fdatasync grouping).
 *
 * Fencing: a row is inserted only while its writer still holds the run's lease (the insert
 * share-locks the lease row, so a takeover waits for it, and an insert after a takeover finds
 * another holder and writes nothing). A writer whose lease expired and was taken over can thus
 * not slip an event in between the new holder's read and its first append.
 *
 * Both refusals (seq taken, lease gone) are `storage_error` with `details.conflict: true`. That
 * code because the engine treats it as "this process stops advancing the run, writes nothing
 * more, and the run stays resumable", which is exactly right when another process now holds
 * it; `run_not_active` would make the run loop try to record a failure it may no longer write.
 */
import {BreytaError} from '../../errors.js'
import type {JournalEvent, UnsequencedEvent} from '../../journal/events.js'
import {codeEvent, kebabEvent} from '../../journal/casing.js'
import type {JournalHandle, JournalRead, JournalStore, RunLease} from '../types.js'
import {isUniqueViolation, storeError, type Db} from './db.js'
import type {PgLease} from './leases.js'

/** The stored form of an event: kebab-case field names, as in the files store's events.jsonl. */
export function toRow(e: JournalEvent): string {
  return JSON.stringify(kebabEvent(e))
}

export async function readEvents(db: Db, runId: string): Promise<JournalEvent[]> {
  const rows = await db.query<{event: object}>(`SELECT event FROM ${db.t('events')} WHERE run = $1 ORDER BY seq`, [runId])
  return rows.map((r) => codeEvent(r.event))
}

export function journalConflict(runId: string, seq: number, why: 'seq' | 'lease'): BreytaError {
  const what =
    why === 'seq'
      ? `event ${seq} of run ${runId} was already written by another process`
      : `this process no longer holds the lease of run ${runId} (it expired and another process took the run over)`
  return new BreytaError('storage_error', `${what}; nothing more is written here`, {
    hint: `Another process advances run ${runId} now; see where it is with \`breyta runs show ${runId}\`.`,
    details: {run: runId, seq, conflict: true, reason: why === 'seq' ? 'seq_taken' : 'lease_lost', store: 'postgres'},
  })
}

interface StagedRow {
  handle: PgJournalHandle
  seq: number
  row: string
}

/**
 * The store's one committer: flushes staged rows of every open handle, one insert at a time.
 * A unique violation fails the whole statement, so a batch that meets one is retried run by
 * run: the run that lost the race fails alone and the others' rows still go in.
 */
export class Committer {
  private staged: StagedRow[] = []
  private flushing: Promise<void> | undefined

  constructor(private readonly db: Db) {}

  stage(rows: StagedRow[]): void {
    this.staged.push(...rows)
  }

  /** Start a flush unless one runs (it loops until nothing is staged); resolves when that loop ends. */
  kick(): Promise<void> {
    // The loop starts a microtask later, so `flushing` is set before it can end and clear it.
    this.flushing ??= Promise.resolve().then(() => this.loop())
    return this.flushing
  }

  private async loop(): Promise<void> {
    try {
      while (this.staged.length > 0) {
        const batch = this.staged.splice(0)
        // Rows staged after a refused one must never go in: they would follow another writer's event.
        const refused = batch.filter((r) => r.handle.refused !== undefined)
        for (const [handle, rows] of groupByHandle(refused)) handle.settle(rows, handle.refused)
        const live = batch.filter((r) => r.handle.refused === undefined)
        if (live.length > 0) await this.flushBatch(live)
      }
    } finally {
      // Nothing awaits between the last look at `staged` and this: rows staged later start a new loop.
      this.flushing = undefined
    }
  }

  private async flushBatch(batch: StagedRow[]): Promise<void> {
    const byHandle = groupByHandle(batch)
    let written: Set<string>
    try {
      written = await this.insert(batch)
    } catch (err) {
      if (isUniqueViolation(err) && byHandle.size > 1) {
        for (const rows of byHandle.values()) await this.flushBatch(rows)
        return
      }
      for (const [handle, rows] of byHandle)
        handle.settle(rows, isUniqueViolation(err) ? journalConflict(handle.runId, rows[0]!.seq, 'seq') : storeError(err, this.db.where, handle.runId))
      return
    }
    for (const [handle, rows] of byHandle) {
      const lost = rows.some((r) => !written.has(`${handle.runId}\u0000${r.seq}`))
      handle.settle(rows, lost ? journalConflict(handle.runId, rows[0]!.seq, 'lease') : undefined)
    }
  }

  /** One statement for the whole batch; returns `run\0seq` of the rows written (rows whose lease is gone are not). */
  private async insert(batch: StagedRow[]): Promise<Set<string>> {
    const {t} = this.db
    await this.db.ready()
    const rows = await this.db.pool.query<{run: string; seq: number}>(
      `INSERT INTO ${t('events')} (run, seq, event)
       SELECT r.run, r.seq, r.event FROM unnest($1::text[], $2::integer[], $3::json[], $4::text[]) AS r (run, seq, event, holder)
       WHERE EXISTS (SELECT 1 FROM ${t('leases')} l WHERE l.run = r.run AND l.holder = r.holder FOR SHARE)
       RETURNING run, seq`,
      [batch.map((r) => r.handle.runId), batch.map((r) => r.seq), batch.map((r) => r.row), batch.map((r) => r.handle.holder)],
    )
    return new Set(rows.rows.map((r) => `${r.run}\u0000${r.seq}`))
  }
}

function groupByHandle(batch: StagedRow[]): Map<PgJournalHandle, StagedRow[]> {
  const out = new Map<PgJournalHandle, StagedRow[]>()
  for (const r of batch) {
    const list = out.get(r.handle)
    if (list) list.push(r)
    else out.set(r.handle, [r])
  }
  return out
}

interface Waiter {
  upTo: number
  resolve: () => void
  reject: (err: unknown) => void
}

export class PgJournalHandle implements JournalHandle {
  private seq: number
  private durableTo: number
  private failed: unknown
  private waiters: Waiter[] = []
  private redact: (e: UnsequencedEvent) => UnsequencedEvent = (e) => e

  constructor(
    readonly runId: string,
    readonly holder: string,
    lastSeq: number,
    private readonly committer: Committer,
  ) {
    this.seq = lastSeq
    this.durableTo = lastSeq
  }

  get lastSeq(): number {
    return this.seq
  }

  /** Why this handle can write no more (undefined while it can). */
  get refused(): unknown {
    return this.failed
  }

  redactWith(fn: (e: UnsequencedEvent) => UnsequencedEvent): this {
    this.redact = fn
    return this
  }

  append(...events: UnsequencedEvent[]): JournalEvent[] {
    if (this.failed) throw this.failed
    const stamped = events.map((e) => ({seq: ++this.seq, ...this.redact(e)}) as JournalEvent)
    this.committer.stage(stamped.map((e) => ({handle: this, seq: e.seq, row: toRow(e)})))
    return stamped
  }

  /** Staged like `append`: no flush is asked for; the next `durable()` covers it. */
  appendUnsynced(...events: UnsequencedEvent[]): JournalEvent[] {
    return this.append(...events)
  }

  async appendNow(...events: UnsequencedEvent[]): Promise<JournalEvent[]> {
    const stamped = this.append(...events)
    await this.durable()
    return stamped
  }

  durable(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed)
    if (this.durableTo >= this.seq) return Promise.resolve()
    const done = new Promise<void>((resolve, reject) => this.waiters.push({upTo: this.seq, resolve, reject}))
    void this.committer.kick()
    return done
  }

  /** The committer's answer for some of this handle's rows: written, or refused with `err`. */
  settle(rows: StagedRow[], err: unknown): void {
    if (err !== undefined) {
      // What follows the refused rows can never be written either: the handle is done.
      this.failed ??= err
    } else {
      this.durableTo = Math.max(this.durableTo, ...rows.map((r) => r.seq))
    }
    const ready = this.waiters.filter((w) => this.failed !== undefined || w.upTo <= this.durableTo)
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) {
      if (this.failed !== undefined) w.reject(this.failed)
      else w.resolve()
    }
  }

  /** Everything staged is flushed first (a closed handle leaves nothing behind unwritten). */
  async close(): Promise<void> {
    try {
      await this.durable()
    } catch {
      // already reported to whoever awaited durable()
    }
  }
}

export class PgJournalStore implements JournalStore {
  readonly committer: Committer

  constructor(private readonly db: Db) {
    this.committer = new Committer(db)
  }

  async read(runId: string): Promise<JournalRead> {
    return {events: await readEvents(this.db, runId)}
  }

  async open(lease: RunLease, read: JournalRead): Promise<JournalHandle> {
    const holder = (lease as Partial<PgLease>).holder
    if (typeof holder !== 'string') throw new Error('a PostgreSQL journal is opened under a lease of the same store')
    return new PgJournalHandle(lease.runId, holder, read.events.at(-1)?.seq ?? 0, this.committer)
  }

  /** Outside a handle: the primary key alone keeps a second writer of the same seq out. */
  async appendAfter(runId: string, read: JournalRead, ...events: UnsequencedEvent[]): Promise<JournalEvent[]> {
    let seq = read.events.at(-1)?.seq ?? 0
    const stamped = events.map((e) => ({seq: ++seq, ...e}) as JournalEvent)
    if (stamped.length === 0) return []
    try {
      await this.db.ready()
      await this.db.pool.query(`INSERT INTO ${this.db.t('events')} (run, seq, event) SELECT $1, s, e FROM unnest($2::integer[], $3::json[]) AS r (s, e)`, [
        runId,
        stamped.map((e) => e.seq),
        stamped.map(toRow),
      ])
    } catch (err) {
      if (isUniqueViolation(err)) throw journalConflict(runId, stamped[0]!.seq, 'seq')
      if ((err as {code?: string}).code === '23503') throw new BreytaError('run_not_found', `no run "${runId}"`, {hint: 'List runs with `breyta runs list`.'})
      throw storeError(err, this.db.where, runId)
    }
    return stamped
  }
}
