/**
 * `:kv` — the workspace key-value store through ctx.kv (safe across processes; see
 * store/fs/kv-store.ts). Config: `:op :get|:set|:delete|:incr`, `:key`, `:value` (set),
 * `:by` (incr, default 1), `:ttl` ("30s" "5m" "24h" "2d", or seconds as a number),
 * `:namespace` (default: the flow's slug).
 *
 * Output is "the value": get → the stored value or nil; set → the value written;
 * incr → the new number; delete → true when the key existed, else false.
 */
import {BreytaError} from '../errors.js'
import {parseDuration} from '../flow/duration.js'
import {kw, type EdnMap, type Value} from '../edn/values.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {done, StepError, type StepContext, type StepExecutor, type StepOutcome} from './types.js'

const OPS = ['get', 'set', 'delete', 'incr']

/** `:ttl` goes through ttlMs, whose message says "bad :ttl". */
const kvConfig = {
  op: fields.text,
  key: fields.text,
  namespace: fields.text.optional(),
  ttl: fields.value.optional(),
  value: fields.value.optional(),
  by: fields.number.optional(),
} satisfies ConfigShape

/** "30s" / "5m" / "24h" / "2d" / "250ms", or a number of seconds → milliseconds (SPEC §3 grammar). */
export function ttlMs(v: Value | undefined): number | undefined {
  if (v === undefined || v === null) return undefined
  try {
    return parseDuration(v)
  } catch (err) {
    throw new StepError(`:kv step: bad :ttl: ${err instanceof Error ? err.message : String(err)}`, {
      retryable: false,
      hint: 'Use a duration like "30s", "5m", "24h", "2d" or a number of seconds.',
    })
  }
}

/** Store-side invalid input (e.g. incr of a string) is the config's fault: do not retry it. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof BreytaError && err.code === 'invalid_input')
      throw new StepError(`:kv step: ${err.message}`, {retryable: false, hint: err.hint, cause: err})
    throw err
  }
}

export const kvStep: StepExecutor = {
  type: 'kv',

  check(config: EdnMap): string[] {
    const cfg = new StepConfig(config, 'kv')
    const problems: string[] = []
    const op = cfg.has('op') ? cfg.keyword('op') : undefined
    if (op === undefined) problems.push('missing :op (:get, :set, :delete or :incr)')
    else if (!OPS.includes(op)) problems.push(`unknown :op :${op} (use :get, :set, :delete or :incr)`)
    if (!cfg.has('key')) problems.push('missing :key')
    if (op === 'set' && !config.has(kw('value'))) problems.push('missing :value')
    const ttl = cfg.value('ttl')
    // Only literal ttls can be checked before the run; a computed one is checked when it runs.
    if (typeof ttl === 'string' || typeof ttl === 'number') {
      try {
        ttlMs(ttl)
      } catch (err) {
        problems.push((err instanceof Error ? err.message : String(err)).replace(/^:kv step: /, ''))
      }
    }
    return problems
  },

  async run(config: EdnMap, ctx: StepContext): Promise<StepOutcome> {
    const cfg = new StepConfig(config, 'kv', kvConfig)
    const op = cfg.get('op')
    const key = cfg.get('key')
    const ns = cfg.get('namespace') ?? ctx.flowSlug
    const ttl = ttlMs(cfg.get('ttl'))
    const options = ttl === undefined ? {} : {ttlMs: ttl}
    switch (op) {
      case 'get':
        return done(await guarded(() => ctx.kv.get(ns, key)))
      case 'set': {
        const value = cfg.get('value') ?? null
        await guarded(() => ctx.kv.set(ns, key, value, options))
        return done(value)
      }
      case 'delete':
        return done(await guarded(() => ctx.kv.delete(ns, key)))
      case 'incr': {
        const by = cfg.get('by') ?? 1
        return done(await guarded(() => ctx.kv.incr(ns, key, by, options)))
      }
      default:
        throw new StepError(`:kv step: unknown :op :${op}`, {retryable: false, hint: 'Use :op :get, :set, :delete or :incr.'})
    }
  },
}
