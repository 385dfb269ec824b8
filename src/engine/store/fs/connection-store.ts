/**
 * `.breyta/connections.edn` (SPEC §4): a map name → connection. Connections are committed, so
 * they hold only names of secrets (`:auth {:private-key :vm-key}`), never values. Steps see a
 * plain JSON view: keyword values become their names, keys stay kebab-case as written
 * (`host-key`, `base-url`).
 */
import {readEdn} from '../../edn/read.js'
import {Keyword, isMap, type EdnMap, type Value} from '../../edn/values.js'
import {BreytaError, isBreytaError} from '../../errors.js'
import type {Connection} from '../../shared/records.js'
import {readParsed} from './file-cache.js'
import type {WorkspaceLayout} from './paths.js'

type Plain = null | boolean | number | string | Plain[] | PlainMap
type PlainMap = {[k: string]: Plain}

function keyName(k: Value): string | undefined {
  if (k instanceof Keyword) return k.name
  return typeof k === 'string' ? k : undefined
}

/** EDN → plain data, naming the path of anything that has no plain form. */
function toPlain(v: Value, where: string, fail: (message: string) => never): Plain {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Keyword) return v.name
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${where}[${i}]`, fail))
  if (isMap(v)) return plainMap(v, where, fail)
  return fail(`${where}: unsupported value (use strings, numbers, keywords, vectors and maps)`)
}

function plainMap(m: EdnMap, where: string, fail: (message: string) => never): PlainMap {
  const out: PlainMap = {}
  for (const [k, val] of m) {
    const name = keyName(k)
    if (name === undefined) fail(`${where}: keys must be keywords`)
    out[name] = toPlain(val, `${where} :${name}`, fail)
  }
  return out
}

function isPlainMap(v: Plain | undefined): v is PlainMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parse the text of connections.edn; `file` names it in errors. */
export function parseConnections(text: string, file: string): Record<string, Connection> {
  const fail = (message: string): never => {
    throw new BreytaError('invalid_input', `${file}: ${message}`, {hint: 'Fix connections.edn (SPEC §4 shows the shape of each connection type).'})
  }
  if (text.trim() === '') return {}
  let parsed: Value
  try {
    parsed = readEdn(text, {file})
  } catch (err) {
    const problems = isBreytaError(err) ? err.details?.problems : undefined
    throw new BreytaError('invalid_input', `${file}: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'connections.edn must be one EDN map of name → connection.',
      details: problems === undefined ? undefined : {problems},
    })
  }
  if (parsed === null) return {}
  if (!isMap(parsed)) return fail('must be a map of name → connection, e.g. {:vm {:type :ssh :host "10.0.0.5"}}')
  const out: Record<string, Connection> = {}
  for (const [k, v] of parsed) {
    const name = keyName(k) ?? fail('connection names must be keywords, e.g. :vm')
    out[name] = connectionFromValue(name, v, fail)
  }
  return out
}

/** One connection from its EDN map (connections.edn entry, or a flow's `:requires` entry). */
export function connectionFromValue(name: string, v: Value, fail: (message: string) => never): Connection {
  if (!isMap(v)) fail(`:${name} must be a map with a :type`)
  const {slot: _slot, ...rest} = plainMap(v, `:${name}`, fail)
  const type = rest.type
  if (typeof type !== 'string' || type === '') fail(`:${name} needs :type (e.g. :http, :ssh, :llm)`)
  checkAuth(name, rest.auth, fail)
  if (type === 'ssh' && typeof rest.host !== 'string') fail(`:${name} is an :ssh connection and needs :host`)
  return {...rest, name, type}
}

/** `:auth` slots name secrets; a literal value here would end up committed to git. */
function checkAuth(name: string, auth: Plain | undefined, fail: (message: string) => never): void {
  if (auth === undefined || auth === null) return
  if (!isPlainMap(auth)) return fail(`:${name} :auth must be a map of slot → secret name, e.g. {:password :vm-pass}`)
  for (const [slot, secret] of Object.entries(auth)) {
    // Basic auth and a custom header are maps: {:user "u" :password :secret}, {:name "X-Key" :value :secret}.
    const nested = slot === 'basic' ? 'password' : slot === 'header' ? 'value' : undefined
    if (nested !== undefined && isPlainMap(secret)) {
      const ref = secret[nested]
      if (typeof ref !== 'string' || ref === '') fail(`:${name} :auth :${slot} :${nested} must name a secret (a keyword such as :api-pass)`)
      continue
    }
    if (typeof secret !== 'string' || secret === '') fail(`:${name} :auth :${slot} must name a secret (a keyword such as :vm-key)`)
  }
}

/** All connections; a missing connections.edn is an empty set. */
export async function readConnections(layout: WorkspaceLayout): Promise<Record<string, Connection>> {
  return readConnectionsSync(layout)
}

/** The same object for every read without a connections.edn, so callers can tell nothing changed (workspace-redactor.ts). */
const NO_CONNECTIONS: Record<string, Connection> = Object.freeze({})

/** readConnections, for callers that cannot await (the redactor is built before a run's first event). */
export function readConnectionsSync(layout: WorkspaceLayout): Record<string, Connection> {
  // Parsed once while the file stays the same; callers only read the result.
  return readParsed(layout.connections, (text) => parseConnections(text, layout.connections), NO_CONNECTIONS)
}

/** Look one up in an already-read set, with the error StepContext.connection promises. */
export function getConnection(connections: Record<string, Connection>, name: string): Connection {
  const c = Object.hasOwn(connections, name) ? connections[name] : undefined
  if (c === undefined) {
    const known = Object.keys(connections).sort()
    throw new BreytaError('invalid_input', `unknown connection :${name}`, {
      hint: known.length === 0 ? 'Add it to .breyta/connections.edn.' : `Add it to .breyta/connections.edn (known: ${known.join(', ')}).`,
    })
  }
  return c
}
