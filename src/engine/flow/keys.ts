/**
 * Which keys a flow map and each step config take. A key breyta does not know is a warning (it
 * is ignored, and the flow may come from Breyta with keys that mean nothing here); a key one or
 * two letters away from a known one is an error with the suggestion, since a misspelt `:timeout`
 * silently running without a timeout is worse than a refusal.
 */
import {Keyword, type EdnMap} from '../edn/values.js'
import {closest} from '../suggest.js'
import type {Path, Problems} from './problems.js'

export const TOP_LEVEL_KEYS = [
  'slug',
  'name',
  'description',
  'concurrency',
  'triggers',
  'requires',
  'templates',
  'functions',
  'flow',
  // Breyta's newer keys (docs/breyta-compat): triggers and the run-input contract; display keys.
  'interfaces',
  'invocations',
  'schedules',
  'tags',
  'icon',
] as const

/** Keys every step config takes (SPEC §4). */
const COMMON_STEP_KEYS = ['timeout', 'retry', 'persist']

/** Each step family's own keys, from SPEC §4 and the step modules. */
export const STEP_KEYS: Record<string, readonly string[]> = {
  http: ['url', 'connection', 'path', 'method', 'headers', 'query', 'json', 'body', 'allow-failure'],
  llm: ['connection', 'model', 'prompt', 'messages', 'system', 'template', 'data', 'temperature', 'max-tokens', 'json'],
  search: ['connection', 'query', 'limit'],
  db: ['connection', 'query', 'template', 'data', 'params', 'statements', 'transaction'],
  wait: ['key', 'timeout', 'on-timeout', 'default-value', 'approval', 'validation'],
  function: ['ref', 'code', 'input'],
  notify: ['channel', 'connection', 'path', 'url', 'headers', 'message', 'template', 'data'],
  kv: ['op', 'key', 'value', 'ttl', 'namespace', 'by'],
  sleep: ['duration', 'until'],
  ssh: [
    'host',
    'port',
    'user',
    'connection',
    'auth',
    'host-key',
    'known-hosts',
    'insecure-host-key',
    'command',
    'env',
    'stdin',
    'allow-failure',
    'ok-exit-codes',
  ],
  exec: ['command', 'cwd', 'env', 'stdin', 'allow-failure', 'ok-exit-codes'],
}

/**
 * Check the keyword keys of `m` against `known`: misspellings are problems, the rest warnings.
 * `label(key)` is the displayed path of a key.
 */
export function checkKeys(problems: Problems, m: EdnMap, known: readonly string[], at: Path, what: string, label?: (key: string) => string): void {
  for (const k of m.keys()) {
    if (!(k instanceof Keyword) || known.includes(k.name)) continue
    const [near] = closest(k.name, known, 1)
    const shown = label?.(k.name)
    if (near !== undefined) problems.add([...at, k.name], `unknown ${what} key :${k.name}; did you mean :${near}?`, shown)
    else problems.warn([...at, k.name], `unknown ${what} key :${k.name} is ignored (known: ${known.map((n) => ':' + n).join(' ')})`, shown)
  }
}

/** The keys a step config of `type` takes, or undefined for an unknown type. */
export function stepKeys(type: string): readonly string[] | undefined {
  const own = STEP_KEYS[type]
  return own === undefined ? undefined : [...COMMON_STEP_KEYS, ...own]
}
