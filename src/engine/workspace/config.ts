/** `.breyta/config.edn`: daemon address and limits. Missing keys take defaults. */
import fs from 'node:fs'
import os from 'node:os'
import {readEdn} from '../edn/read.js'
import {field, isMap, type Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'

export interface WorkspaceConfig {
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
