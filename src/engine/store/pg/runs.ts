/**
 * Runs on PostgreSQL: a `runs` row per run (its snapshot, the waiting flag that indexes
 * `waits list`, the cancel request), its journal in `events`, and the flow text it is pinned to
 * in `definitions`, once per sha256, so any machine can continue any run whatever its checkout
 * holds. Creating a run writes all three in one transaction.
 */
import crypto from 'node:crypto'
import {BreytaError} from '../../errors.js'
import type {JournalEvent, UnsequencedEvent} from '../../journal/events.js'
import {projectRun, type RunView} from '../../journal/projection.js'
import {isRunId} from '../names.js'
import {newRunId} from '../fs/run-id.js'
import type {RunListOptions, RunStore} from '../types.js'
import type {Db} from './db.js'
import {readEvents, toRow} from './journal.js'

function runNotFound(runId: string): BreytaError {
  return new BreytaError('run_not_found', `no run "${runId}"`, {hint: 'List runs with `breyta runs list`.'})
}

export class PgRunStore implements RunStore {
  constructor(private readonly db: Db) {}

  newRunId(now?: number): string {
    return newRunId(now)
  }

  async create(runId: string, flowText: string, created: UnsequencedEvent): Promise<RunView> {
    if (!isRunId(runId)) throw new BreytaError('invalid_input', `"${runId}" is not a run id`)
    if (created.type !== 'run_created') throw new Error(`a run starts with run_created, not ${created.type}`)
    const sha256 = crypto.createHash('sha256').update(flowText).digest('hex')
    if (created.sha256 !== sha256) throw new Error(`run_created names sha256 ${created.sha256}, the flow text hashes to ${sha256}`)
    const first = {seq: 1, ...created} as JournalEvent
    const view = projectRun([first])!
    const {t} = this.db
    await this.db.tx(async (c) => {
      await c.query(`INSERT INTO ${t('definitions')} (sha256, text) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`, [sha256, flowText])
      await c.query(`INSERT INTO ${t('runs')} (id, flow, sha256, status, snapshot) VALUES ($1, $2, $3, $4, $5)`, [
        runId,
        created.flow,
        sha256,
        view.status,
        JSON.stringify(view),
      ])
      await c.query(`INSERT INTO ${t('events')} (run, seq, event) VALUES ($1, 1, $2)`, [runId, toRow(first)])
    })
    return view
  }

  async exists(runId: string): Promise<boolean> {
    if (!isRunId(runId)) return false
    return (await this.db.query(`SELECT 1 FROM ${this.db.t('runs')} WHERE id = $1`, [runId])).length > 0
  }

  async assertExists(runId: string): Promise<void> {
    if (!(await this.exists(runId))) throw runNotFound(runId)
  }

  async listIds(options: RunListOptions = {}): Promise<string[]> {
    const params: unknown[] = []
    let sql = `SELECT id FROM ${this.db.t('runs')}`
    if (options.before !== undefined) {
      params.push(options.before)
      sql += ` WHERE id COLLATE "C" < $1`
    }
    // Byte order whatever the database's locale: ULIDs sort by time in it.
    sql += ' ORDER BY id COLLATE "C" DESC'
    if (options.limit !== undefined) {
      params.push(options.limit)
      sql += ` LIMIT $${params.length}`
    }
    return (await this.db.query<{id: string}>(sql, params)).map((r) => r.id)
  }

  async readSnapshot(runId: string): Promise<RunView | undefined> {
    const rows = await this.db.query<{snapshot: RunView | null}>(`SELECT snapshot FROM ${this.db.t('runs')} WHERE id = $1`, [runId])
    return rows[0]?.snapshot ?? undefined
  }

  async writeSnapshot(view: RunView): Promise<void> {
    // Never let an older view replace a newer one (two processes may write snapshots of one run).
    await this.db.query(
      `UPDATE ${this.db.t('runs')} SET snapshot = $2, status = $3, waiting = $4 WHERE id = $1 AND coalesce((snapshot->>'seq')::integer, 0) <= $5`,
      [view.id, JSON.stringify(view), view.status, view.status === 'waiting', view.seq],
    )
  }

  async readView(runId: string): Promise<RunView> {
    await this.assertExists(runId)
    const view = projectRun(await readEvents(this.db, runId))
    if (!view) throw new BreytaError('run_not_found', `run "${runId}" has no journal`, {hint: 'The run was not created completely.'})
    return view
  }

  async unfinished(): Promise<RunView[]> {
    const rows = await this.db.query<{snapshot: RunView}>(
      `SELECT snapshot FROM ${this.db.t('runs')} WHERE status NOT IN ('completed', 'failed', 'cancelled') AND snapshot IS NOT NULL ORDER BY id COLLATE "C"`,
    )
    return rows.map((r) => r.snapshot)
  }

  async readPinnedFlow(runId: string): Promise<string> {
    const rows = await this.db.query<{text: string}>(
      `SELECT d.text FROM ${this.db.t('runs')} r JOIN ${this.db.t('definitions')} d ON d.sha256 = r.sha256 WHERE r.id = $1`,
      [runId],
    )
    if (rows[0] === undefined) throw runNotFound(runId)
    return rows[0].text
  }

  /** The waiting flag is kept with every snapshot write, so there is nothing to backfill. */
  async waitingIds(): Promise<string[]> {
    return (await this.db.query<{id: string}>(`SELECT id FROM ${this.db.t('runs')} WHERE waiting ORDER BY id COLLATE "C" DESC`)).map((r) => r.id)
  }

  async noteWaiting(runId: string, waiting: boolean): Promise<void> {
    await this.db.query(`UPDATE ${this.db.t('runs')} SET waiting = $2 WHERE id = $1`, [runId, waiting])
  }

  async requestCancel(runId: string, reason?: string): Promise<void> {
    const rows = await this.db.query(
      `UPDATE ${this.db.t('runs')} SET cancel_requested = true, cancel_reason = coalesce(cancel_reason, $2) WHERE id = $1 RETURNING id`,
      [runId, reason ?? null],
    )
    if (rows.length === 0) throw runNotFound(runId)
  }

  async clearCancel(runId: string): Promise<void> {
    await this.db.query(`UPDATE ${this.db.t('runs')} SET cancel_requested = false, cancel_reason = NULL WHERE id = $1`, [runId])
  }

  async cancelRequested(runId: string): Promise<{reason?: string} | undefined> {
    const rows = await this.db.query<{cancel_requested: boolean; cancel_reason: string | null}>(
      `SELECT cancel_requested, cancel_reason FROM ${this.db.t('runs')} WHERE id = $1`,
      [runId],
    )
    const row = rows[0]
    if (!row?.cancel_requested) return undefined
    return row.cancel_reason === null ? {} : {reason: row.cancel_reason}
  }
}
