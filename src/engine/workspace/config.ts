/** `.breyta/config.edn`: daemon address, limits and where run state lives. Missing keys take defaults. */
import fs from 'node:fs'
import os from 'node:os'
import {readEdn} from '../edn/read.js'
import {field, isMap, Keyword, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import {DurationError, parseDuration} from '../flow/duration.js'

/**
 * Where the workspace's run state lives (SPEC §9): files under `.breyta/` (the default) or a
 * PostgreSQL store shared by a team. The URL is never in config.edn: `urlSecret` names the
 * secret that holds it (env BREYTA_SECRET_<NAME> or secrets.edn), so it stays on each machine.
 */
export type StoreConfig =
  | {type: 'files'}
  | {
      type: 'postgres'
      urlSecret: string | null
      /** The PostgreSQL schema holding the tables (default `breyta`). */
      schema: string | null
      /** How long a run lease lasts without renewal: a dead daemon's runs are taken over after it. */
      leaseMs: number | null
    }

export interface WorkspaceConfig {
  store: StoreConfig
  daemon: {host: string; port: number; baseUrl?: string}
  limits: {
    /** Step outputs larger than this (serialized) are stored as resources. */
    outputBytes: number
    /** Flow files larger than this are refused (invalid_flow) before they are read. */
    flowBytes: number
    /** A run whose executor died this many times in a row (no progress between) fails run_crashed. */
    maxCrashes: number
    /** How long flow code may compute between two steps before the run fails resource_exhausted. */
    computeMs: number
    /** Worker threads the daemon advances runs in (0: on its main thread). Default: the cores. */
    workers: number
    /** Heap limit of each worker (MB); a run that needs more fails resource_exhausted. */
    heapMb: number
    /** Live output of an `:exec` or `:ssh` step kept on disk (the newest bytes); older lines are dropped. */
    stepLogBytes: number
  }
}

export const DEFAULT_CONFIG: WorkspaceConfig = {
  store: {type: 'files'},
  daemon: {host: '127.0.0.1', port: 7420},
  limits: {
    outputBytes: 64 * 1024,
    flowBytes: 1024 * 1024,
    maxCrashes: 3,
    computeMs: 30_000,
    workers: os.availableParallelism(),
    heapMb: 512,
    stepLogBytes: 8 * 1024 * 1024,
  },
}

/** The file `breyta init` writes; deterministic so re-running init changes nothing. */
export const DEFAULT_CONFIG_TEXT = `;; breyta workspace configuration (committed)
{:daemon {:host "127.0.0.1"
          :port 7420}
 :limits {:output-bytes 65536}}
`

function num(v: Value | undefined, fallback: number): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fallback
}

export function readConfig(file: string): WorkspaceConfig {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return DEFAULT_CONFIG
  }
  const v = readEdn(text, {file})
  if (!isMap(v)) throw new BreytaError('invalid_input', `${file} must hold one EDN map`, {hint: 'See the README for config.edn keys.'})
  const daemon = field(v, 'daemon')
  const limits = field(v, 'limits')
  const baseUrl = field(daemon, 'base-url')
  const host = field(daemon, 'host')
  return {
    store: readStoreConfig(field(v, 'store'), file),
    daemon: {
      host: typeof host === 'string' ? host : DEFAULT_CONFIG.daemon.host,
      port: num(field(daemon, 'port'), DEFAULT_CONFIG.daemon.port),
      ...(typeof baseUrl === 'string' ? {baseUrl} : {}),
    },
    limits: {
      outputBytes: num(field(limits, 'output-bytes'), DEFAULT_CONFIG.limits.outputBytes),
      flowBytes: num(field(limits, 'flow-bytes'), DEFAULT_CONFIG.limits.flowBytes),
      maxCrashes: num(field(limits, 'max-crashes'), DEFAULT_CONFIG.limits.maxCrashes),
      computeMs: num(field(limits, 'compute-ms'), DEFAULT_CONFIG.limits.computeMs),
      workers: num(field(limits, 'workers'), DEFAULT_CONFIG.limits.workers),
      heapMb: num(field(limits, 'heap-mb'), DEFAULT_CONFIG.limits.heapMb),
      stepLogBytes: num(field(limits, 'step-log-bytes'), DEFAULT_CONFIG.limits.stepLogBytes),
    },
  }
}

function storeProblem(file: string, message: string): BreytaError {
  return new BreytaError('invalid_input', `${file}: ${message}`, {
    hint: 'Write {:store {:type :files}} (the default), or {:store {:type :postgres :url-secret :team-db}} with the URL in the secret team-db (BREYTA_SECRET_TEAM_DB or `breyta secrets set team-db`); optional :schema "breyta" and :lease "15s".',
    details: {file, key: ':store'},
  })
}

function name(v: Value | undefined): string | undefined {
  return v instanceof Keyword ? v.name : typeof v === 'string' ? v : undefined
}

/** `:store`: absent or `{:type :files}` keeps files; `{:type :postgres …}` selects PostgreSQL. */
function readStoreConfig(v: Value | undefined, file: string): StoreConfig {
  if (v === undefined || v === null) return {type: 'files'}
  if (!isMap(v)) throw storeProblem(file, ':store must be a map')
  const type = name(field(v, 'type'))
  if (type === 'files') return {type: 'files'}
  if (type !== 'postgres') throw storeProblem(file, `:store :type must be :files or :postgres${type === undefined ? '' : `, not :${type}`}`)
  const secret = field(v, 'url-secret')
  const urlSecret = name(secret)
  if (secret !== undefined && !urlSecret) throw storeProblem(file, ':store :url-secret must name a secret, like :team-db')
  const schema = field(v, 'schema')
  if (schema !== undefined && typeof schema !== 'string') throw storeProblem(file, ':store :schema must be a string')
  return {type: 'postgres', urlSecret: urlSecret ?? null, schema: schema ?? null, leaseMs: readLease(field(v, 'lease'), file)}
}

/** `:store :lease`: a duration of at least 500 ms (its holder renews it three times per lease). */
function readLease(lease: Value | undefined, file: string): number | null {
  if (lease === undefined) return null
  let ms: number
  try {
    ms = parseDuration(lease)
  } catch (err) {
    if (!(err instanceof DurationError)) throw err
    throw storeProblem(file, `:store :lease: ${err.message}`)
  }
  if (ms < 500) throw storeProblem(file, ':store :lease must be at least 500ms (the holder renews it three times per lease)')
  return ms
}
