/**
 * `breyta connections list | show | test`: what connections.edn defines (secrets by name only,
 * with whether each is set) and a live check that goes through the step family that will use the
 * connection, so the verdict means what a run will meet: http reachability, an ssh handshake with
 * the host key checked and auth, a db `select 1`, an llm or search call that proves the key.
 */
import {emap, field, kw, type EdnMap, type Value} from '../edn/values.js'
import {BreytaError, toBreytaError} from '../errors.js'
import {getConnection} from '../store/names.js'
import {secretEnvName} from '../shared/secret-names.js'
import {connectionAs, sshConnection} from '../steps/connection-types.js'
import {stepExecutor} from '../steps/registry.js'
import type {Connection, StepContext} from '../steps/types.js'
import type {Workspace} from '../workspace/workspace.js'
import {Redactor} from '../runtime/redact.js'
import {secretsOf} from '../runtime/requirements.js'
import {inheritedEnv} from '../steps/child-env.js'

export interface SecretRef {
  name: string
  /** Where it resolves from: env (BREYTA_SECRET_*), file (secrets.edn), or null when unset. */
  source: 'env' | 'file' | null
}

export interface ConnectionSummary {
  name: string
  type: string
  /** host, base-url, path or url: where it points (never a secret). */
  target: string | null
  secrets: SecretRef[]
}

function secretRefs(c: Connection, secrets: Record<string, string>, env: NodeJS.ProcessEnv): SecretRef[] {
  return secretsOf(c).map((name) => ({name, source: env[secretEnvName(name)] !== undefined ? 'env' : secrets[name] !== undefined ? 'file' : null}))
}

function targetOf(c: Connection): string | null {
  for (const k of ['base-url', 'host', 'path', 'url']) {
    const v = c[k]
    if (typeof v === 'string') return v
  }
  return null
}

export async function listConnections(ws: Workspace, env: NodeJS.ProcessEnv): Promise<{items: ConnectionSummary[]; next: null}> {
  const [connections, secrets] = await Promise.all([ws.local.readConnections(), ws.local.readSecrets()])
  const items = Object.values(connections)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((c) => ({name: c.name, type: c.type, target: targetOf(c), secrets: secretRefs(c, secrets, env)}))
  return {items, next: null}
}

export async function showConnection(ws: Workspace, name: string, env: NodeJS.ProcessEnv): Promise<ConnectionSummary & {config: Connection}> {
  const [connections, secrets] = await Promise.all([ws.local.readConnections(), ws.local.readSecrets()])
  const c = lookup(connections, name)
  return {name: c.name, type: c.type, target: targetOf(c), secrets: secretRefs(c, secrets, env), config: c}
}

function lookup(connections: Record<string, Connection>, name: string): Connection {
  if (!(name in connections)) {
    const known = Object.keys(connections)
    throw new BreytaError('resource_not_found', `no connection "${name}" in .breyta/connections.edn`, {
      hint: known.length > 0 ? `Known: ${known.join(', ')}.` : 'Define it in .breyta/connections.edn (docs/agents.md shows each type).',
    })
  }
  return getConnection(connections, name)
}

export interface ConnectionTest {
  name: string
  type: string
  verdict: 'ok' | 'failed' | 'skipped'
  message: string
  'took-ms': number
  error: {code: string; message: string; hint: string | null} | null
}

/** The step call that proves a connection of each type works, as cheaply as it can be done. */
function probeFor(c: Connection): {step: string; config: EdnMap; ok: (out: Value) => string} | {skip: string} {
  const conn = kw(c.name)
  switch (c.type) {
    case 'http':
      return {
        step: 'http',
        config: emap({connection: conn, path: '', method: kw('get'), 'allow-failure': true}),
        ok: (o) => `reachable: ${targetOf(c)} answered HTTP ${String(field(o, 'status'))}`,
      }
    case 'ssh': {
      const ssh = connectionAs(sshConnection, c)
      return {
        step: 'ssh',
        config: emap({connection: conn, command: 'true'}),
        ok: () => `ssh handshake with ${ssh.host}:${ssh.port ?? 22} ok: host key verified, authenticated as ${ssh.user ?? 'the default user'}`,
      }
    }
    case 'sqlite':
    case 'postgres':
      return {step: 'db', config: emap({connection: conn, query: 'select 1 as ok'}), ok: () => `connected: select 1 answered`}
    case 'llm':
      return {
        step: 'llm',
        config: emap({connection: conn, prompt: 'Reply with the word ok.', 'max-tokens': 5}),
        ok: (o) => `authenticated: ${String(field(o, 'model') ?? 'the model')} answered`,
      }
    case 'search':
      return {step: 'search', config: emap({connection: conn, query: 'breyta', limit: 1}), ok: () => 'authenticated: the search API answered'}
    default:
      return {skip: `:${c.type} connections are not tested live (a test would have to send something, e.g. a Slack message)`}
  }
}

export async function testConnection(ws: Workspace, name: string, env: NodeJS.ProcessEnv, options: {timeoutMs?: number} = {}): Promise<ConnectionTest> {
  const [connections, secrets] = await Promise.all([ws.local.readConnections(), ws.local.readSecrets()])
  const c = lookup(connections, name)
  const started = Date.now()
  const probe = probeFor(c)
  if ('skip' in probe) return {name, type: c.type, verdict: 'skipped', message: probe.skip, 'took-ms': 0, error: null}
  const redactor = new Redactor()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000)
  const ctx: StepContext = {
    runId: 'connection-test',
    flowSlug: 'connection-test',
    stepId: `test-${name}`,
    attempt: 1,
    idempotencyKey: `connection-test/${name}/${started}`,
    signal: controller.signal,
    workspaceRoot: ws.root,
    now: () => new Date(),
    secret(secret: string): string {
      const value = env[secretEnvName(secret)] ?? secrets[secret]
      if (value === undefined)
        throw new BreytaError('invalid_input', `secret "${secret}" is not set`, {
          hint: `Set it with \`breyta secrets set ${secret}\` or the env var ${secretEnvName(secret)}.`,
        })
      redactor.add(value)
      return value
    },
    connection: (n) => getConnection(connections, n),
    resources: {put: unavailable, get: unavailable},
    kv: {get: unavailable, set: unavailable, delete: unavailable, incr: unavailable},
    callbackUrl: () => unavailable(),
    renderTemplate: () => unavailable(),
    callFunction: () => unavailable(),
    // Probes are http, ssh, db, llm and search steps: nothing is spawned locally.
    inheritedEnv: () => inheritedEnv(env),
    processStarted: async () => {},
    // A probe's output is not kept: there is no run to keep it under.
    output: () => {},
    log: () => {},
  }
  try {
    const outcome = await stepExecutor(probe.step)!.run(probe.config, ctx)
    const output = outcome.kind === 'done' ? outcome.output : null
    return {name, type: c.type, verdict: 'ok', message: probe.ok(output), 'took-ms': Date.now() - started, error: null}
  } catch (err) {
    const e = toBreytaError(err)
    return {
      name,
      type: c.type,
      verdict: 'failed',
      message: redactor.string(e.message),
      'took-ms': Date.now() - started,
      error: {code: e.code === 'internal' ? 'step_failed' : e.code, message: redactor.string(e.message), hint: e.hint ?? null},
    }
  } finally {
    clearTimeout(timer)
  }
}

function unavailable(): never {
  throw new BreytaError('invalid_input', 'a connection test has no run: resources, kv, templates and functions are not available')
}
