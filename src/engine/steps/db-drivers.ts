/**
 * The two `:db` back ends behind one small interface: run statements (optionally all in one
 * transaction) and return rows as plain objects. Each call opens and closes its own
 * connection: a step is short, and holding handles across parked runs would leak them.
 */
import fs from 'node:fs'
import path from 'node:path'
import type DatabaseModule from 'better-sqlite3'
import type PgModule from 'pg'
import * as z from 'zod'
import {lazyRequire, lazyValue} from '../lazy.js'
import type {Value} from '../edn/values.js'
import {namedToPositional, pgValue, sqliteValue, type Params} from './db-params.js'
import {StepError} from './types.js'

const Database = lazyRequire<typeof DatabaseModule>('better-sqlite3')
const pgModule = lazyRequire<typeof PgModule>('pg')

export interface Statement {
  sql: string
  params: Params
}

export interface StatementResult {
  rows: Record<string, unknown>[]
  rowCount: number
}

export interface DbDriver {
  /** Run the statements in order; with `transaction`, all or nothing. */
  execute(statements: Statement[], transaction: boolean, signal: AbortSignal): Promise<StatementResult[]>
}

/** How long SQLite waits for another process's lock (the CLI and the daemon share files). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000

/** What a driver's error carries: SQLite's code (SQLITE_BUSY) or PostgreSQL's SQLSTATE. */
const driverError = lazyValue(() =>
  z.object({code: z.string().optional().catch(undefined), message: z.string().optional().catch(undefined)}).catch({code: undefined, message: undefined}),
)

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A SQLite row with its integers as normaliseInt makes them. */
function sqliteRow(r: unknown): Record<string, unknown> {
  if (typeof r !== 'object' || r === null) throw new StepError(`db (sqlite): unexpected row ${String(r)}`, {retryable: false})
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normaliseInt(v)]))
}

/** Integers beyond 2^53 stay exact as bigint; the rest become plain numbers. */
function normaliseInt(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v
  return v
}

export function sqliteDriver(file: string): DbDriver {
  return {
    async execute(statements, transaction) {
      fs.mkdirSync(path.dirname(file), {recursive: true})
      let db: DatabaseModule.Database
      try {
        db = new (Database())(file, {timeout: SQLITE_BUSY_TIMEOUT_MS})
      } catch (err) {
        throw new StepError(`db: cannot open SQLite file ${file}: ${messageOf(err)}`, {retryable: false, cause: err})
      }
      try {
        // WAL lets readers in one process run while another writes.
        db.pragma('journal_mode = WAL')
        const runOne = (s: Statement): StatementResult => {
          const stmt = db.prepare(s.sql)
          stmt.safeIntegers(true)
          const args: unknown[] =
            s.params.kind === 'positional'
              ? s.params.values.map(sqliteValue)
              : s.params.kind === 'named'
                ? [Object.fromEntries([...s.params.values].map(([k, v]) => [k, sqliteValue(v)]))]
                : []
          if (stmt.reader) {
            const rows = stmt.all(...args).map(sqliteRow)
            return {rows, rowCount: rows.length}
          }
          const info = stmt.run(...args)
          return {rows: [], rowCount: Number(info.changes)}
        }
        if (transaction) return db.transaction(() => statements.map(runOne)).immediate()
        return statements.map(runOne)
      } catch (err) {
        throw sqliteError(err)
      } finally {
        db.close()
      }
    },
  }
}

function sqliteError(err: unknown): StepError {
  if (err instanceof StepError) return err
  const e = driverError().parse(err)
  // Lock contention past the busy timeout may clear up; bad SQL or a constraint will not.
  const retryable = e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED'
  return new StepError(`db (sqlite): ${e.message ?? String(err)}`, {retryable, details: e.code === undefined ? undefined : {code: e.code}, cause: err})
}

const NO_VALUES: Value[] = []

// int8 (count(*), bigserial) arrives as text by default; make it a number (or bigint when huge).
const INT8_OID = 20
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
    if (oid === INT8_OID) return (v: string) => normaliseInt(BigInt(v))
    return pgModule().types.getTypeParser(oid, format ?? 'text')
  },
}

export function postgresDriver(url: string): DbDriver {
  return {
    async execute(statements, transaction, signal) {
      const client = new (pgModule().Client)({connectionString: url, types})
      // pg has no per-query abort; closing the socket fails the pending query.
      const onAbort = () => void client.end().catch(() => undefined)
      signal.addEventListener('abort', onAbort, {once: true})
      if (signal.aborted) onAbort()
      try {
        try {
          await client.connect()
        } catch (err) {
          throw new StepError(`db (postgres): cannot connect: ${messageOf(err)}`, {cause: err})
        }
        const runOne = async (s: Statement): Promise<StatementResult> => {
          const q =
            s.params.kind === 'named'
              ? namedToPositional(s.sql, s.params.values)
              : {text: s.sql, values: s.params.kind === 'positional' ? s.params.values : NO_VALUES}
          const res = await client.query({text: q.text, values: q.values.map(pgValue)})
          const rows: Record<string, unknown>[] = res.rows ?? []
          return {rows, rowCount: res.command === 'SELECT' ? rows.length : (res.rowCount ?? rows.length)}
        }
        if (!transaction) {
          const out: StatementResult[] = []
          for (const s of statements) out.push(await runOne(s))
          return out
        }
        await client.query('BEGIN')
        try {
          const out: StatementResult[] = []
          for (const s of statements) out.push(await runOne(s))
          await client.query('COMMIT')
          return out
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw err
        }
      } catch (err) {
        if (err instanceof StepError) throw err
        if (signal.aborted) throw new StepError('db (postgres): cancelled', {retryable: false, cause: err})
        const e = driverError().parse(err)
        // SQLSTATE classes 08 (connection), 40 (serialization/deadlock), 53/57 (resources,
        // shutdown) may succeed later; syntax, constraint and data errors will not.
        const retryable = e.code === undefined || /^(08|40|53|57)/.test(e.code)
        throw new StepError(`db (postgres): ${e.message ?? String(err)}`, {
          retryable,
          details: e.code === undefined ? undefined : {sqlstate: e.code},
          cause: err,
        })
      } finally {
        signal.removeEventListener('abort', onAbort)
        await client.end().catch(() => undefined)
      }
    },
  }
}
