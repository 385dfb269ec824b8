/**
 * `:db` — parameterised SQL against SQLite (embedded default) or PostgreSQL.
 *
 * Config: `:connection` (a `{:type :sqlite :path "data/main.db"}` connection, relative to the
 * workspace root, or `{:type :postgres :url-secret :pg-url}`); without `:connection` the
 * step uses the SQLite file `data/breyta.db` under the workspace root (outside `.breyta/`, so
 * it is the user's data and their choice whether to commit it).
 * `:query` SQL text or `:template` + `:data`; `:params` a vector (sqlite `?`, pg `$1`) or a map
 * (`:name` / `@name` / `$name` placeholders on both). Values are bound by the driver, never
 * spliced into the SQL text — a template renders SQL, it should not render values.
 *
 * Output: `{:rows [{:col v} …] :row-count N}` (row-count = rows returned, or rows changed by
 * INSERT/UPDATE/DELETE). With `:transaction true` and `:statements [{:query :params} …]`
 * everything runs in one transaction (all or nothing) and the output is
 * `{:results [{:rows :row-count} …] :rows <last statement's rows> :row-count <last's count>}`.
 */
import path from 'node:path'
import {fromJson} from '../edn/json.js'
import {emap, isMap, kw, type EdnMap, type Value} from '../edn/values.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {connectionAs, postgresConnection, sqliteConnection} from './connection-types.js'
import {postgresDriver, sqliteDriver, type DbDriver, type Statement, type StatementResult} from './db-drivers.js'
import {readParams} from './db-params.js'
import {done, StepError, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

/** The embedded default database, relative to the workspace root. */
export const DEFAULT_SQLITE_PATH = 'data/breyta.db'

/** One statement: `:query`, or `:template` + `:data`, plus `:params` (a vector or a map). */
const statementConfig = {
  query: fields.text.optional(),
  template: fields.text,
  data: fields.value.optional(),
  params: fields.value.optional(),
} satisfies ConfigShape

/** The step's config: one statement, or `:statements` (each a statementConfig map). */
const dbConfig = {
  ...statementConfig,
  connection: fields.text.optional(),
  statements: fields.value.optional(),
  transaction: fields.boolean.optional(),
} satisfies ConfigShape

function fail(message: string, hint?: string): never {
  throw new StepError(`:db step: ${message}`, {retryable: false, hint})
}

function driverFor(cfg: StepConfig<typeof dbConfig>, ctx: StepContext): DbDriver {
  const name = cfg.get('connection')
  if (name === undefined) return sqliteDriver(path.resolve(ctx.workspaceRoot, DEFAULT_SQLITE_PATH))
  const conn = ctx.connection(name)
  switch (conn.type) {
    case 'sqlite': {
      const file = connectionAs(sqliteConnection, conn).path ?? DEFAULT_SQLITE_PATH
      return sqliteDriver(path.resolve(ctx.workspaceRoot, file))
    }
    case 'postgres': {
      const pg = connectionAs(postgresConnection, conn)
      const url = pg['url-secret'] !== undefined ? ctx.secret(pg['url-secret']) : pg.url
      if (url === undefined)
        fail(`postgres connection ${name} needs :url-secret`, 'e.g. {:pg {:type :postgres :url-secret :pg-url}} and `breyta secrets set pg-url`.')
      return postgresDriver(url)
    }
    default:
      return fail(`connection ${name} has :type :${conn.type}; expected :sqlite or :postgres`)
  }
}

/** One statement from a config map: `:query`, or `:template` + `:data`, plus `:params`. */
function statement(cfg: StepConfig<typeof statementConfig>, ctx: StepContext, where = ''): Statement {
  const sql = cfg.get('query') ?? (cfg.has('template') ? ctx.renderTemplate(cfg.get('template'), cfg.get('data') ?? emap({})) : undefined)
  if (sql === undefined || sql.trim() === '') fail(`${where}needs :query or :template`)
  return {sql, params: readParams(cfg.get('params'))}
}

function resultValue(r: StatementResult): EdnMap {
  return emap({rows: r.rows.map((row) => fromJson(row)), 'row-count': r.rowCount})
}

export const dbStep: StepExecutor = {
  type: 'db',

  check(config: EdnMap): string[] {
    const cfg = new StepConfig(config, 'db')
    const problems: string[] = []
    const statements = cfg.value('statements')
    if (statements !== undefined) {
      if (!Array.isArray(statements)) problems.push(':statements must be a vector of {:query :params} maps')
      else
        statements.forEach((s, i) => {
          if (!isMap(s) || (!new StepConfig(s, 'db').has('query') && !new StepConfig(s, 'db').has('template'))) problems.push(`:statements[${i}] needs :query`)
        })
    } else if (!cfg.has('query') && !cfg.has('template')) problems.push('missing :query (or :template)')
    const params = cfg.value('params')
    if (params !== undefined && !Array.isArray(params) && !isMap(params)) problems.push(':params must be a vector or a map')
    return problems
  },

  async run(config: EdnMap, ctx: StepContext): Promise<StepOutcome> {
    const cfg = new StepConfig(config, 'db', dbConfig)
    const driver = driverFor(cfg, ctx)
    const transaction = cfg.get('transaction') === true
    const list = cfg.get('statements')
    let statements: Statement[]
    if (list !== undefined) {
      if (!Array.isArray(list)) fail(':statements must be a vector of {:query :params} maps')
      statements = list.map((s: Value, i) => {
        if (!isMap(s)) fail(`:statements[${i}] must be a map`)
        return statement(new StepConfig(s, 'db', statementConfig), ctx, `:statements[${i}] `)
      })
      if (statements.length === 0) fail(':statements is empty')
    } else {
      statements = [statement(cfg, ctx)]
    }
    const results = await driver.execute(statements, transaction, ctx.signal)
    const last = results[results.length - 1]!
    ctx.log(
      `db: ${results.length} statement${results.length === 1 ? '' : 's'}${transaction ? ' in one transaction' : ''}, ${last.rowCount} row${last.rowCount === 1 ? '' : 's'}`,
    )
    if (list === undefined) return done(resultValue(last))
    const lastValue = resultValue(last)
    return done(emap({results: results.map(resultValue), rows: lastValue.get(kw('rows'))!, 'row-count': last.rowCount}))
  },
}
