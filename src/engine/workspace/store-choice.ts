/**
 * Which `Store` a workspace gets (SPEC §9): files under `.breyta/` unless config.edn selects
 * PostgreSQL (`{:store {:type :postgres :url-secret :team-db}}`) or the environment names a
 * server (`BREYTA_STORE_URL`, which wins: a machine can be pointed at a store without editing
 * the committed config). The URL holds a password, so it is read from a secret on this machine
 * (env BREYTA_SECRET_<NAME> or secrets.edn) and never appears in a message.
 *
 * The PostgreSQL store connects on its first query, so commands that never touch run state
 * (`secrets set team-db …`, `flows validate`) work before the server is reachable.
 */
import {BreytaError} from '../errors.js'
import {secretEnvName} from '../shared/secret-names.js'
import {FsStore} from '../store/fs/fs-store.js'
import type {WorkspaceLayout} from '../store/fs/paths.js'
import {connectPgStore} from '../store/pg/index.js'
import type {LocalFiles, Store} from '../store/types.js'
import type {StoreConfig} from './config.js'

export const STORE_URL_ENV = 'BREYTA_STORE_URL'

export interface StoreOpenOptions {
  env: NodeJS.ProcessEnv
  /** Connections in the PostgreSQL pool (a daemon's worker threads use small ones). */
  poolMax?: number
}

/** The store the configuration and environment select; throws `invalid_input` on a bad selection. */
export function openStore(layout: WorkspaceLayout, local: LocalFiles, config: StoreConfig, options: StoreOpenOptions): Store {
  const fromEnv = options.env[STORE_URL_ENV]
  const pg = config.type === 'postgres' ? config : undefined
  if (pg === undefined && !fromEnv) return new FsStore(layout)
  const url = fromEnv || storeUrlFromSecret(pg!, local, options.env)
  checkUrl(url, fromEnv ? `$${STORE_URL_ENV}` : `the secret ${pg!.urlSecret}`)
  return connectPgStore({
    url,
    ...(pg?.schema ? {schema: pg.schema} : {}),
    ...(pg?.leaseMs ? {leaseMs: pg.leaseMs} : {}),
    ...(options.poolMax === undefined ? {} : {poolMax: options.poolMax}),
  })
}

function storeUrlFromSecret(config: Extract<StoreConfig, {type: 'postgres'}>, local: LocalFiles, env: NodeJS.ProcessEnv): string {
  const name = config.urlSecret
  if (name === null) {
    throw new BreytaError('invalid_input', 'config.edn selects a PostgreSQL store but names no secret for its URL', {
      hint: `Add :url-secret :team-db to :store and set that secret (BREYTA_SECRET_TEAM_DB or \`breyta secrets set team-db\`), or set ${STORE_URL_ENV}.`,
      details: {key: ':store :url-secret'},
    })
  }
  const value = env[secretEnvName(name)] || local.secretsNow()[name]
  if (!value) {
    throw new BreytaError('invalid_input', `the store's URL secret "${name}" is not set on this machine`, {
      hint: `Set ${secretEnvName(name)}=postgresql://USER:PASSWORD@HOST:PORT/DB in the environment, or \`breyta secrets set ${name}\` (secrets stay on this machine, never in the store).`,
      details: {secret: name, env: secretEnvName(name)},
    })
  }
  return value
}

/** A PostgreSQL URL; the message names where it came from, never what it holds. */
function checkUrl(url: string, source: string): void {
  let ok = false
  try {
    const u = new URL(url)
    ok = (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== ''
  } catch {
    ok = false
  }
  if (!ok) {
    throw new BreytaError('invalid_input', `${source} is not a PostgreSQL URL`, {
      hint: 'It must look like postgresql://USER:PASSWORD@HOST:PORT/DATABASE.',
      details: {source},
    })
  }
}
