/**
 * The redactor of a workspace: every secret value the workspace can resolve (each
 * BREYTA_SECRET_* of the process and each entry of secrets.edn), whether a run uses it or not,
 * with the forms the engine derives from them (a basic-auth header's base64). A run's journal
 * writer, the CLI's output, the daemon's log and its HTTP answers all start from it, so a secret
 * is redacted from the first event of an advance, not only after a step resolved it.
 */
import {envSecretValues, secretEnvName} from '../shared/secret-names.js'
import type {Connection} from '../shared/records.js'
import type {LocalFiles} from '../store/types.js'
import {Redactor} from './redact.js'

/** Only the process's BREYTA_SECRET_* values: for output printed before a workspace is known. */
export function envRedactor(env: NodeJS.ProcessEnv): Redactor {
  const r = new Redactor()
  for (const v of envSecretValues(env)) r.add(v)
  return r
}

/**
 * A redactor of its own for the caller (a run adds the values it resolves), from the workspace's
 * secrets and connections as read now, or as the caller just read them. Throws when secrets.edn
 * is unreadable: a caller that cannot know the secrets must not print as if it did.
 */
export function workspaceRedactor(
  local: LocalFiles,
  env: NodeJS.ProcessEnv,
  read: {connections?: Record<string, Connection>; secrets?: Record<string, string>} = {},
): Redactor {
  const file = read.secrets ?? local.secretsNow()
  return baseRedactor(env, file, read.connections ?? readConnectionsQuietly(local)).fork()
}

/**
 * Per environment: the redactor last built for it, with the secrets.edn and connections.edn
 * values it was built from (file-cache.ts hands out the same object while a file stays the
 * same). Only a frozen environment is kept, as only it cannot change meanwhile: the daemon's and
 * its workers'. Why: every run created and every advance built its redactor anew, listing the
 * environment and encoding each secret four ways, ~10 µs of a worker's ~0.7 ms a run under
 * issue 18's workload C.
 */
const built = new WeakMap<NodeJS.ProcessEnv, {file: Record<string, string>; connections: Record<string, Connection>; redactor: Redactor}>()

function baseRedactor(env: NodeJS.ProcessEnv, file: Record<string, string>, connections: Record<string, Connection>): Redactor {
  const known = built.get(env)
  if (known?.file === file && known.connections === connections) return known.redactor
  const r = envRedactor(env)
  for (const v of Object.values(file)) r.add(v)
  addBasicAuth(r, connections, (name) => env[secretEnvName(name)] ?? file[name])
  if (Object.isFrozen(env)) built.set(env, {file, connections, redactor: r})
  return r
}

/** Register `Basic base64(user:password)` of every connection that authenticates so. */
export function addBasicAuth(r: Redactor, connections: Record<string, Connection>, resolve: (secret: string) => string | undefined): void {
  for (const c of Object.values(connections)) {
    const basic = (c.auth as {basic?: {user?: unknown; password?: unknown}} | undefined)?.basic
    if (typeof basic?.password !== 'string') continue
    const value = resolve(basic.password)
    if (value !== undefined) r.addBasicAuth(typeof basic.user === 'string' ? basic.user : '', value)
  }
}

/** A broken connections.edn fails the run that reads it; here it only means no basic-auth forms. */
function readConnectionsQuietly(local: LocalFiles): Record<string, Connection> {
  try {
    return local.connectionsNow()
  } catch {
    return {}
  }
}

/**
 * The workspace redactor for a long-lived writer (the daemon's log and HTTP answers, a CLI
 * command's output): rebuilt when secrets.edn or connections.edn changed, so a secret set while
 * the daemon runs is redacted too. A workspace whose secrets.edn cannot be read falls back to
 * the env secrets: nothing could resolve the file's secrets either.
 */
export function liveWorkspaceRedactor(local: LocalFiles, env: NodeJS.ProcessEnv): () => Redactor {
  let stamp = ''
  let current: Redactor | undefined
  return () => {
    const now = local.secretsStamp()
    if (current === undefined || now !== stamp) {
      stamp = now
      try {
        current = workspaceRedactor(local, env)
      } catch {
        current = envRedactor(env)
      }
    }
    return current
  }
}
