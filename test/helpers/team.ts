/**
 * Team mode for tests: checkouts of one workspace (each its own directory and `.breyta/`, as
 * on separate machines) that share one PostgreSQL store in a schema of their own. The store's
 * URL goes into each checkout's secrets.edn (as `breyta secrets set team-db` would put it), and
 * config.edn selects the store with a short lease, so a dead daemon's runs move on quickly.
 *
 *   const store = teamStore(PG_URL)            // a fresh schema; store.drop() in afterAll
 *   const a = await teamCheckout(store)         // {root, ws, writeFlow, cleanup}
 *   const d = await spawnDaemon(a.root)         // a real daemon on the shared store
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import {initWorkspace, openWorkspace} from '../../src/engine/index.js'
import type {TempWorkspace} from './workspace.js'

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
