import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {toJson} from '../../../src/engine/edn/json.js'
import {emap, kw, type EdnMap, type Value} from '../../../src/engine/edn/values.js'
import {namedToPositional} from '../../../src/engine/steps/db-params.js'
import {dbStep} from '../../../src/engine/steps/db.js'
import {StepError, type StepContext, type StepOutcome} from '../../../src/engine/steps/types.js'
import {testStepContext} from '../../helpers/step-context.js'

const PG_URL = process.env.BREYTA_TEST_PG_URL
const EVIL = "'; drop table notes; --"

function out(o: StepOutcome): {rows: Record<string, unknown>[]; 'row-count': number; results?: {rows: unknown[]; 'row-count': number}[]} {
  if (o.kind !== 'done') throw new Error('expected done')
  return toJson(o.output) as never
}

const run = (config: Record<string, Value>, ctx: StepContext) => dbStep.run(emap(config), ctx)

describe(':db step on a real SQLite file', () => {
  let root: string
  let ctx: ReturnType<typeof testStepContext>

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-db-'))
    ctx = testStepContext({
      workspaceRoot: root,
      connections: {main: {type: 'sqlite', path: 'data/main.db'}},
      templates: {count: 'select count(*) as n from notes'},
    })
  })
  afterAll(() => fs.rmSync(root, {recursive: true, force: true}))

  it('creates, inserts with positional and named params, selects rows as maps', async () => {
    expect(
      out(await run({connection: kw('main'), query: 'create table notes (id integer primary key, body text, tag text, n integer)'}, ctx))['row-count'],
    ).toBe(0)
    const ins = out(await run({connection: kw('main'), query: 'insert into notes (body, tag, n) values (?, ?, ?)', params: ['first', kw('a'), 1]}, ctx))
    expect(ins).toEqual({rows: [], 'row-count': 1})
    await run({connection: kw('main'), query: 'insert into notes (body, tag, n) values (:body, @tag, $n)', params: emap({body: 'second', tag: 'b', n: 2})}, ctx)
    const sel = out(await run({connection: kw('main'), query: 'select id, body, tag, n from notes where n >= ? order by id', params: [1]}, ctx))
    expect(sel).toEqual({
      rows: [
        {id: 1, body: 'first', tag: 'a', n: 1},
        {id: 2, body: 'second', tag: 'b', n: 2},
      ],
      'row-count': 2,
    })
    // Rows are EDN maps with keyword keys inside the flow.
    const o = await run({connection: kw('main'), query: 'select body from notes where id = 1'}, ctx)
    if (o.kind !== 'done') throw new Error('done')
    const rows = (o.output as EdnMap).get(kw('rows')) as EdnMap[]
    expect(rows[0]!.get(kw('body'))).toBe('first')
    expect(fs.existsSync(path.join(root, 'data/main.db'))).toBe(true)
  })

  it(`stores ${JSON.stringify(EVIL)} as data, never as SQL`, async () => {
    await run({connection: kw('main'), query: 'insert into notes (body) values (?)', params: [EVIL]}, ctx)
    await run({connection: kw('main'), query: 'insert into notes (body) values (:b)', params: emap({b: EVIL})}, ctx)
    const sel = out(await run({connection: kw('main'), query: 'select body from notes where body = ?', params: [EVIL]}, ctx))
    expect(sel.rows).toEqual([{body: EVIL}, {body: EVIL}])
    // The table is still there, seen from outside the step.
    const db = new Database(path.join(root, 'data/main.db'), {readonly: true})
    expect((db.prepare('select count(*) as n from notes').get() as {n: number}).n).toBe(4)
    db.close()
  })

  it('renders SQL from :template', async () => {
    expect(out(await run({connection: kw('main'), template: kw('count'), data: emap({})}, ctx)).rows).toEqual([{n: 4}])
  })

  it('updates report the changed row count', async () => {
    expect(out(await run({connection: kw('main'), query: "update notes set tag = 'z' where body = ?", params: [EVIL]}, ctx))['row-count']).toBe(2)
  })

  it(':transaction true commits all statements and returns per-statement results', async () => {
    const o = out(
      await run(
        {
          connection: kw('main'),
          transaction: true,
          statements: [
            emap({query: 'insert into notes (body) values (?)', params: ['t1']}),
            emap({query: 'insert into notes (body) values (?)', params: ['t2']}),
            emap({query: "select body from notes where body like 't%' order by body"}),
          ],
        },
        ctx,
      ),
    )
    expect(o.results!.map((r) => r['row-count'])).toEqual([1, 1, 2])
    expect(o.rows).toEqual([{body: 't1'}, {body: 't2'}])
    expect(o['row-count']).toBe(2)
  })

  it(':transaction true rolls everything back when one statement fails', async () => {
    const before = out(await run({connection: kw('main'), query: 'select count(*) as n from notes'}, ctx)).rows[0]!.n
    const err = (await run(
      {
        connection: kw('main'),
        transaction: true,
        statements: [
          emap({query: 'insert into notes (body) values (?)', params: ['rolled-back']}),
          emap({query: 'insert into notes (id, body) values (1, ?)', params: ['dup']}),
        ],
      },
      ctx,
    ).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.message).toMatch(/UNIQUE constraint failed/)
    expect(err.retryable).toBe(false)
    expect(out(await run({connection: kw('main'), query: 'select count(*) as n from notes'}, ctx)).rows[0]!.n).toBe(before)
  })

  it('without :connection uses data/breyta.db under the workspace root', async () => {
    await run({query: 'create table if not exists t (x)'}, ctx)
    expect(fs.existsSync(path.join(root, 'data/breyta.db'))).toBe(true)
  })

  it('bad SQL fails non-retryably; a missing named param is named', async () => {
    const err = (await run({connection: kw('main'), query: 'selec 1'}, ctx).catch((e: unknown) => e)) as StepError
    expect(err.code).toBe('step_failed')
    expect(err.retryable).toBe(false)
    await expect(run({connection: kw('main'), query: 'select :a as a', params: emap({b: 1})}, ctx)).rejects.toThrow(/named parameter/i)
  })

  it('keeps integers beyond 2^53 exact', async () => {
    const o = await run({connection: kw('main'), query: 'select 9007199254740993 as big, 5 as small'}, ctx)
    if (o.kind !== 'done') throw new Error('done')
    const row = ((o.output as EdnMap).get(kw('rows')) as EdnMap[])[0]!
    expect(row.get(kw('big'))).toBe(9007199254740993n)
    expect(row.get(kw('small'))).toBe(5)
  })

  it('check reports a missing query and bad params', () => {
    expect(dbStep.check!(emap({}))).toEqual(['missing :query (or :template)'])
    expect(dbStep.check!(emap({query: 'select 1', params: 'x'}))).toEqual([':params must be a vector or a map'])
    expect(dbStep.check!(emap({transaction: true, statements: [emap({params: []})]}))).toEqual([':statements[0] needs :query'])
  })
})

describe('named → positional placeholders for PostgreSQL', () => {
  const vals = new Map<string, Value>([
    ['id', 1],
    ['name', 'x'],
    ['user-id', 7],
  ])
  it('numbers names in first-use order and reuses a repeated name', () => {
    expect(namedToPositional('select * from t where id = :id or parent = :id and name = @name', vals)).toEqual({
      text: 'select * from t where id = $1 or parent = $1 and name = $2',
      values: [1, 'x'],
    })
    expect(namedToPositional('select :user-id', vals)).toEqual({text: 'select $1', values: [7]})
  })
  it('leaves strings, quoted identifiers, comments, casts and dollar quotes alone', () => {
    const sql = `select ':id', "a:id", 'it''s :name', E'\\' :id', x::text, $$ :id $$, $f$ @name $f$ -- :id\n/* :name */ from t where id = $id`
    const r = namedToPositional(sql, vals)
    expect(r.values).toEqual([1])
    expect(r.text).toBe(sql.replace('= $id', '= $1'))
  })
  it('refuses a name that :params lacks', () => {
    expect(() => namedToPositional('select :nope', vals)).toThrow(/:nope/)
  })
})

describe.skipIf(!PG_URL)(':db step on a real PostgreSQL (BREYTA_TEST_PG_URL)', () => {
  const table = `notes_${process.pid}_${Date.now()}`
  const ctx = testStepContext({connections: {pg: {type: 'postgres', 'url-secret': 'pg-url'}}, secrets: {'pg-url': PG_URL ?? ''}})

  afterAll(async () => {
    if (!PG_URL) return
    const c = new pg.Client({connectionString: PG_URL})
    await c.connect()
    await c.query(`drop table if exists ${table}`)
    await c.end()
  })

  it('creates, inserts with $1 and named params, selects rows as maps', async () => {
    await run({connection: kw('pg'), query: `create table ${table} (id serial primary key, body text not null, meta jsonb, at timestamptz default now())`}, ctx)
    expect(out(await run({connection: kw('pg'), query: `insert into ${table} (body) values ($1), ($2)`, params: ['a', 'b']}, ctx))['row-count']).toBe(2)
    await run(
      {connection: kw('pg'), query: `insert into ${table} (body, meta) values (:body, :meta::jsonb)`, params: emap({body: 'c', meta: emap({k: kw('v')})})},
      ctx,
    )
    const sel = out(await run({connection: kw('pg'), query: `select id, body, meta from ${table} where body = any($1) order by id`, params: [['a', 'c']]}, ctx))
    expect(sel).toEqual({
      rows: [
        {id: 1, body: 'a', meta: null},
        {id: 3, body: 'c', meta: {k: 'v'}},
      ],
      'row-count': 2,
    })
    expect(out(await run({connection: kw('pg'), query: `select count(*) as n from ${table}`}, ctx)).rows).toEqual([{n: 3}])
  })

  it(`stores ${JSON.stringify(EVIL)} as data`, async () => {
    await run({connection: kw('pg'), query: `insert into ${table} (body) values (:b)`, params: emap({b: EVIL})}, ctx)
    const sel = out(await run({connection: kw('pg'), query: `select body from ${table} where body = $1`, params: [EVIL]}, ctx))
    expect(sel.rows).toEqual([{body: EVIL}])
    expect(out(await run({connection: kw('pg'), query: `select count(*) as n from ${table}`}, ctx)).rows).toEqual([{n: 4}])
  })

  it(':transaction true commits, and rolls back on failure', async () => {
    const ok = out(
      await run(
        {
          connection: kw('pg'),
          transaction: true,
          statements: [
            emap({query: `insert into ${table} (body) values ($1) returning id`, params: ['tx1']}),
            emap({query: `update ${table} set body = body || '!' where body = :b`, params: emap({b: 'tx1'})}),
          ],
        },
        ctx,
      ),
    )
    expect(ok.results!.map((r) => r['row-count'])).toEqual([1, 1])
    const err = (await run(
      {
        connection: kw('pg'),
        transaction: true,
        statements: [emap({query: `insert into ${table} (body) values ($1)`, params: ['gone']}), emap({query: `insert into ${table} (body) values (null)`})],
      },
      ctx,
    ).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.message).toMatch(/null value/)
    expect(err.retryable).toBe(false)
    expect(out(await run({connection: kw('pg'), query: `select count(*) as n from ${table} where body = 'gone'`}, ctx)).rows).toEqual([{n: 0}])
  })

  it('an unreachable server fails retryably with a clear message', async () => {
    const bad = testStepContext({connections: {pg: {type: 'postgres', 'url-secret': 'u'}}, secrets: {u: 'postgresql://x:y@127.0.0.1:1/db'}})
    const err = (await run({connection: kw('pg'), query: 'select 1'}, bad).catch((e: unknown) => e)) as StepError
    expect(err.message).toMatch(/cannot connect/)
    expect(err.retryable).toBe(true)
  })
})
