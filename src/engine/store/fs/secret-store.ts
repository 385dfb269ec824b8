/**
 * Secret values: `.breyta/secrets.edn` (a map name → string, mode 0600, git-ignored), with
 * env `BREYTA_SECRET_<NAME>` taking precedence so CI and agents can inject secrets without
 * touching the file. Values leave this module only through `resolveSecret`/`readSecrets`;
 * listing returns names and where they come from, never values.
 */
import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import type Lockfile from 'proper-lockfile'
import type WriteFileAtomic from 'write-file-atomic'
import {lazyRequire} from '../../lazy.js'
import {readEdn} from '../../edn/read.js'
import {printString} from '../../edn/print.js'
import {Keyword, isMap} from '../../edn/values.js'
import {BreytaError, isBreytaError} from '../../errors.js'
import {SECRET_ENV_PREFIX, secretEnvName} from '../../shared/secret-names.js'
import {readParsed} from './file-cache.js'

export {envSecretValues, SECRET_ENV_PREFIX, secretEnvName} from '../../shared/secret-names.js'
import type {WorkspaceLayout} from './paths.js'

const writeFileAtomic = lazyRequire<typeof WriteFileAtomic>('write-file-atomic')
// Only `secrets set` locks; every command's output boundary reads this module (workspace-redactor.ts).
const lockfile = lazyRequire<typeof Lockfile>('proper-lockfile')

const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

export type SecretSource = 'env' | 'file'

export type {SecretListing} from '../types.js'
import type {SecretListing} from '../types.js'

export function assertSecretName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw new BreytaError('invalid_input', `invalid secret name "${name}"`, {
      hint: 'A secret name is letters, digits, "-" and "_", starting with a letter or digit (e.g. gh-token).',
    })
  }
  return name
}

/** The secrets in secrets.edn; a missing file is an empty set. */
export async function readSecrets(layout: WorkspaceLayout): Promise<Record<string, string>> {
  return readSecretsSync(layout)
}

/** The same object for every read without a secrets.edn, so callers can tell nothing changed (workspace-redactor.ts). */
const NO_SECRETS: Record<string, string> = Object.freeze({})

/**
 * readSecrets for the output boundary, which must redact synchronously (a print, a log line).
 * Parsed once while the file stays the same (file-cache.ts); callers only read the result.
 */
export function readSecretsSync(layout: WorkspaceLayout): Record<string, string> {
  return readParsed(layout.secrets, (text) => parseSecrets(layout, text), NO_SECRETS)
}

/** Every BREYTA_SECRET_* value of an environment (set and non-empty). */

function parseSecrets(layout: WorkspaceLayout, text: string): Record<string, string> {
  if (text.trim() === '') return {}
  let parsed
  try {
    parsed = readEdn(text, {file: layout.secrets})
  } catch (err) {
    // Never echo the file's text: it is full of secret values.
    throw new BreytaError('invalid_input', `${layout.secrets} is not valid EDN`, {
      hint: 'Fix the file by hand or remove it and set the secrets again with `breyta secrets set`.',
      details: isBreytaError(err) ? err.details : undefined,
    })
  }
  if (parsed === null) return {}
  if (!isMap(parsed)) throw new BreytaError('invalid_input', `${layout.secrets} must hold a map of name → string`)
  const out: Record<string, string> = {}
  for (const [k, v] of parsed) {
    const name = k instanceof Keyword ? k.name : typeof k === 'string' ? k : undefined
    if (name === undefined || typeof v !== 'string') {
      throw new BreytaError('invalid_input', `${layout.secrets}: every entry must be :name "value"`, {hint: 'Set secrets with `breyta secrets set NAME`.'})
    }
    out[name] = v
  }
  return out
}

/** env first, then secrets.edn; undefined when neither has it. */
export async function resolveSecret(layout: WorkspaceLayout, name: string, env: NodeJS.ProcessEnv = {}): Promise<string | undefined> {
  const fromEnv = env[secretEnvName(name)]
  if (fromEnv !== undefined) return fromEnv
  return (await readSecrets(layout))[name]
}

/** Every secret available to this workspace, by name only. An env variable wins over the file. */
export async function listSecretNames(layout: WorkspaceLayout, env: NodeJS.ProcessEnv = {}): Promise<SecretListing[]> {
  const byEnvName = new Map<string, SecretListing>()
  for (const name of Object.keys(await readSecrets(layout))) byEnvName.set(secretEnvName(name), {name, source: 'file'})
  for (const key of Object.keys(env)) {
    if (!key.startsWith(SECRET_ENV_PREFIX) || key.length === SECRET_ENV_PREFIX.length || env[key] === undefined) continue
    // Keep the file's spelling when both exist; an env-only secret is named the SPEC way back.
    const known = byEnvName.get(key)
    byEnvName.set(key, {name: known?.name ?? key.slice(SECRET_ENV_PREFIX.length).toLowerCase().replace(/_/g, '-'), source: 'env'})
  }
  return [...byEnvName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** Deterministic: sorted keys, one entry per line, trailing newline (so a no-op set is no diff). */
function formatSecrets(secrets: Record<string, string>): string {
  const names = Object.keys(secrets).sort()
  if (names.length === 0) return '{}\n'
  return '{' + names.map((n) => `:${n} ${printString(secrets[n]!)}`).join('\n ') + '}\n'
}

/**
 * Set (or replace) one secret. The read-modify-write runs under a lock so two concurrent
 * `secrets set` calls cannot lose each other's value; the file is replaced atomically with
 * mode 0600 (write-file-atomic applies the mode to the temp file before the rename).
 */
export async function setSecret(layout: WorkspaceLayout, name: string, value: string): Promise<void> {
  assertSecretName(name)
  await mkdir(path.dirname(layout.secrets), {recursive: true})
  const release = await lockfile().lock(layout.secrets, {realpath: false, retries: {retries: 50, minTimeout: 20, maxTimeout: 200}})
  try {
    // A copy: readSecrets hands out the cached map.
    const secrets = {...(await readSecrets(layout)), [name]: value}
    await writeFileAtomic()(layout.secrets, formatSecrets(secrets), {mode: 0o600})
  } finally {
    await release()
  }
}
