/**
 * Team mode for tests: checkouts of one workspace (each its own directory and `.breyta/`, as
 * on separate machines) that share one PostgreSQL store in a schema of their own. The store's
 * URL goes into each checkout's secrets.edn (as `breyta secrets set team-db` would put it), and
 * config.edn selects the store with a short lease, so a dead daemon's runs move on quickly.
 *
 *   const store = teamStore(PG_URL)            // a fresh schema; store.drop() in afterAll
 *   const a = await teamCheckout(store)         // {root, ws, writeFlow, cleanup}
 *   const d = await spawnDaemon(a.root)         // a real daemon on the shared store
 *
 * Also, for tests that write config.edn into ordinary temp workspaces (team-mode.test.ts,
 * store-matrix.test.ts): PG_URL/PG_SKIP, freshSchema/dropSchema, selectPostgres (adds :store to a
 * checkout's config.edn), teamEnv (the URL as BREYTA_SECRET_TEAM_DB), syncCommitted (git pull).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import {initWorkspace, openWorkspace} from '../../src/engine/index.js'
import {tempWorkspace, type TempWorkspace} from './workspace.js'

export interface TeamStore {
  url: string
  schema: string
  drop(): Promise<void>
}

/** A schema of its own on the server at `url` (created by the first breyta that uses it). */
export function teamStore(url: string, prefix = 'team'): TeamStore {
  const schema = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`
  return {
    url,
    schema,
    async drop() {
      const c = new pg.Client({connectionString: url})
      await c.connect()
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await c.end()
      }
    },
  }
}

export interface CheckoutOptions {
  /** config.edn :store :lease (default "2s"). */
  lease?: string
  /** config.edn :limits :workers (default 1: fewer connections per daemon). */
  workers?: number
  /** More config.edn text inside the top-level map. */
  extraConfig?: string
}

/** A checkout whose `.breyta/` selects the shared store; its `ws` is opened on it. */
export async function teamCheckout(store: TeamStore, options: CheckoutOptions = {}): Promise<TempWorkspace> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-team-'))
  initWorkspace(root)
  const dir = path.join(root, '.breyta')
  fs.writeFileSync(
    path.join(dir, 'config.edn'),
    `{:daemon {:host "127.0.0.1" :port 0}
 :store {:type :postgres :url-secret :team-db :schema ${JSON.stringify(store.schema)} :lease ${JSON.stringify(options.lease ?? '2s')}}
 :limits {:workers ${options.workers ?? 1}}
 ${options.extraConfig ?? ''}}
`,
  )
  fs.writeFileSync(path.join(dir, 'secrets.edn'), `{:team-db ${JSON.stringify(store.url)}}\n`, {mode: 0o600})
  const ws = await openWorkspace({explicit: root, from: root})
  return {
    root,
    ws,
    writeFlow(slug, text) {
      fs.writeFileSync(path.join(dir, 'flows', `${slug}.edn`), text)
    },
    cleanup() {
      void ws.closeStore().catch(() => {})
      fs.rmSync(root, {recursive: true, force: true})
    },
  }
}

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
