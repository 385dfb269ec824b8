/**
 * A flow's `:requires` (SPEC §4): the connections and secrets it needs. A requirement with a
 * full definition (`:type` plus e.g. `:base-url`) is a default connection that connections.edn
 * may override; one without must be defined in connections.edn. `flows validate` and the start
 * of a run report what is missing, so a run does not get halfway before failing on it.
 */
import {Keyword} from '../edn/values.js'
import {BreytaError, type Problem} from '../errors.js'
import type {FlowDefinition} from '../flow/types.js'
import {connectionFromValue} from '../store/names.js'
import {secretEnvName} from '../shared/secret-names.js'
import type {Connection} from '../steps/types.js'

const SECRET_FIELDS = ['url-secret', 'webhook-secret', 'key-secret', 'token-secret']

/** Connections for a run: the flow's `:requires` definitions, overridden by connections.edn. */
export function runConnections(flow: FlowDefinition, workspace: Record<string, Connection>): Record<string, Connection> {
  const out: Record<string, Connection> = {}
  for (const r of flow.requires) {
    const inline = [...r.raw.keys()].some((k) => !(k instanceof Keyword) || (k.name !== 'slot' && k.name !== 'type'))
    if (r.type === undefined || !inline) continue
    try {
      out[r.slot] = connectionFromValue(r.slot, r.raw, (message) => {
        throw new Error(message)
      })
    } catch {
      // An incomplete inline definition: connections.edn must supply it (reported below).
    }
  }
  return {...out, ...workspace}
}

/** Secret names a connection refers to (auth slots and *-secret fields). */
export function secretsOf(c: Connection): string[] {
  const names: string[] = []
  const auth = c.auth
  // `user` (basic auth) and `name` (a header's) are not secrets; everything else in :auth names one.
  const walk = (v: unknown): void => {
    if (typeof v === 'string') names.push(v)
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'user' && k !== 'name') walk(x)
  }
  if (auth && typeof auth === 'object') {
    for (const [k, v] of Object.entries(auth as Record<string, unknown>)) if (k !== 'user' && k !== 'name') walk(v)
  }
  for (const f of SECRET_FIELDS) if (typeof c[f] === 'string') names.push(c[f] as string)
  return [...new Set(names)]
}

export interface Missing {
  kind: 'connection' | 'secret'
  name: string
  slot: string
}

export function missingRequirements(
  flow: FlowDefinition,
  connections: Record<string, Connection>,
  secrets: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Missing[] {
  const missing: Missing[] = []
  const have = runConnections(flow, connections)
  for (const r of flow.requires) {
    const c = have[r.slot]
    if (!c) {
      missing.push({kind: 'connection', name: r.slot, slot: r.slot})
      continue
    }
    for (const s of secretsOf(c)) {
      if (env[secretEnvName(s)] === undefined && secrets[s] === undefined) missing.push({kind: 'secret', name: s, slot: r.slot})
    }
  }
  return missing
}

export function describeMissing(m: Missing): string {
  return m.kind === 'connection'
    ? `connection :${m.name} is required but not defined in .breyta/connections.edn`
    : `secret "${m.name}" (for connection :${m.slot}) is not set: \`breyta secrets set ${m.name}\` or env ${secretEnvName(m.name)}`
}

export function requirementProblems(missing: Missing[]): Problem[] {
  return missing.map((m) => ({path: `requires[${m.slot}]`, message: describeMissing(m)}))
}

export function assertRequirements(flow: FlowDefinition, missing: Missing[]): void {
  if (missing.length === 0) return
  throw new BreytaError(
    'invalid_input',
    `flow "${flow.slug}" cannot start: ${describeMissing(missing[0]!)}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
    {
      hint: 'Define the connections in .breyta/connections.edn and set the secrets with `breyta secrets set NAME`.',
      details: {missing},
    },
  )
}
