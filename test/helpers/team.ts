/**
 * Team mode in tests: checkouts (temp workspaces, one per "machine") whose config.edn selects one
 * PostgreSQL store (SPEC §9), a fresh schema per test, and the env that carries the store's URL
 * as the secret team-db. PostgreSQL comes from BREYTA_TEST_PG_URL (test/helpers/postgres.sh;
 * .ci/run exports it); without it the callers skip with PG_SKIP as the reason.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import {tempWorkspace, type TempWorkspace} from './workspace.js'

export const PG_URL = process.env.BREYTA_TEST_PG_URL
export const PG_SKIP = 'BREYTA_TEST_PG_URL is not set (start one with `export BREYTA_TEST_PG_URL="$(bash test/helpers/postgres.sh)"`)'

/** A schema name no other test (or test process) uses. */
export function freshSchema(prefix = 't'): string {
  return `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({connectionString: PG_URL})
  await c.connect()
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await c.end()
  }
}

/** Point a checkout at the shared store: `{:store {:type :postgres :url-secret :team-db …}}`. */
export function selectPostgres(root: string, options: {schema: string; lease?: string}): void {
  const file = path.join(root, '.breyta', 'config.edn')
  const text = fs.readFileSync(file, 'utf8').trimEnd()
  if (!text.endsWith('}')) throw new Error(`unexpected config.edn: ${text}`)
  const store = `:store {:type :postgres :url-secret :team-db :schema ${JSON.stringify(options.schema)}${options.lease ? ` :lease ${JSON.stringify(options.lease)}` : ''}}`
  fs.writeFileSync(file, `${text.slice(0, -1)}\n ${store}}\n`)
}

/** The env every breyta process of the team gets: the store URL as the secret team-db. */
export function teamEnv(url = PG_URL!): NodeJS.ProcessEnv {
  return {BREYTA_SECRET_TEAM_DB: url}
}

/** What `git pull` does for the committed part: copy drafts and releases from one checkout to another. */
export function syncCommitted(from: string, to: string): void {
  for (const dir of ['flows', 'releases']) {
    fs.cpSync(path.join(from, '.breyta', dir), path.join(to, '.breyta', dir), {recursive: true, force: true})
  }
  fs.copyFileSync(path.join(from, '.breyta', 'connections.edn'), path.join(to, '.breyta', 'connections.edn'))
}

/** `n` checkouts on one store (schema), each its own .breyta/ as on separate machines. */
export async function teamCheckouts(n: number, options: {schema: string; lease?: string}): Promise<TempWorkspace[]> {
  const out: TempWorkspace[] = []
  for (let i = 0; i < n; i++) {
    const t = await tempWorkspace(`breyta-team-${i}-`)
    selectPostgres(t.root, options)
    out.push(t)
  }
  return out
}
