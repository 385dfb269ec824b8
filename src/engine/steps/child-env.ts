/**
 * The environment of a program a step starts (`:exec`) or a remote command (`:ssh` `:env`).
 * A child gets breyta's secrets only on purpose: `:env {"API_KEY" {:secret :name}}` resolves
 * the secret when the step runs (the journal keeps the reference), and nothing named BREYTA_*
 * of the executing process (BREYTA_SECRET_*, BREYTA_WORKSPACE, BREYTA_DAEMON_*) is inherited.
 */
import {isMap, Keyword, type EdnMap, type Value} from '../edn/values.js'
import {toJson} from '../edn/json.js'
import type {StepConfig} from './config.js'
import {StepError, type StepContext} from './types.js'

const INTERNAL_PREFIX = 'BREYTA_'

/** The executing process's environment without breyta's own variables. */
export function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith(INTERNAL_PREFIX)) out[k] = v
  return out
}

function secretRef(v: Value): string | undefined {
  if (!isMap(v) || v.size !== 1) return undefined
  const name = v.get(Keyword.of('secret'))
  return name instanceof Keyword ? name.name : typeof name === 'string' && name !== '' ? name : undefined
}

/** Validation of a literal `:env`: values are strings (or scalars) or `{:secret :name}`. */
export function envProblems(config: EdnMap): string[] {
  const env = config.get(Keyword.of('env'))
  if (env === undefined || !isMap(env)) return []
  const problems: string[] = []
  for (const [k, v] of env) {
    const name = k instanceof Keyword ? k.name : String(k)
    if (isMap(v) && secretRef(v) === undefined) problems.push(`:env "${name}" must be a string or {:secret :name}`)
  }
  return problems
}

/** `:env` with every `{:secret :name}` resolved (through ctx.secret, so it is redacted). */
export function stepEnv(c: StepConfig, ctx: StepContext): Record<string, string> | undefined {
  const raw = c.value('env')
  if (raw === undefined || raw === null) return undefined
  if (!isMap(raw)) throw new StepError(':env must be a map of name → string or {:secret :name}', {retryable: false})
  const out: Record<string, string> = {}
  for (const [k, v] of raw) {
    const name = k instanceof Keyword ? k.name : String(k)
    const ref = secretRef(v)
    if (ref !== undefined) out[name] = ctx.secret(ref)
    else if (isMap(v)) throw new StepError(`:env "${name}" must be a string or {:secret :name}`, {retryable: false})
    else out[name] = v instanceof Keyword ? v.name : typeof v === 'string' ? v : JSON.stringify(toJson(v))
  }
  return out
}
