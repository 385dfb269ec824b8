/** The journal's field names on disk (kebab-case) and in the code (camelCase): one rename both ways. */
import type {JournalEvent} from './events.js'

/**
 * Event fields the code names in camelCase. On disk (and in `runs logs --json`) they are
 * kebab-case like every other key breyta writes (SPEC §6: one casing); journals written before
 * that hold the camelCase names, so reading accepts both. Only these top-level names are
 * renamed: payloads (input, output, meta…) are the flow's data and never touched.
 */
const CAMEL_FIELDS: readonly (readonly [string, string])[] = [
  ['stepType', 'step-type'],
  ['retryOf', 'retry-of'],
  ['fromStep', 'from-step'],
  ['retryInMs', 'retry-in-ms'],
  ['timeoutAt', 'timeout-at'],
  ['onTimeout', 'on-timeout'],
  ['defaultValue', 'default-value'],
  ['wakeAt', 'wake-at'],
]

function rename(e: object, from: 0 | 1): Record<string, unknown> {
  const out: Record<string, unknown> = {...(e as Record<string, unknown>)}
  for (const pair of CAMEL_FIELDS) {
    const a = pair[from]
    const b = pair[1 - from]!
    if (a in out) {
      const v = out[a]
      delete out[a]
      out[b] = v
    }
  }
  return out
}

/** An event as written to disk and shown under --json: kebab-case field names. */
export function kebabEvent(e: object): Record<string, unknown> {
  return rename(e, 0)
}

/** An event as read from disk, old (camelCase) or new (kebab-case), with the names the code uses. */
export function codeEvent(e: object): JournalEvent {
  return rename(e, 1) as unknown as JournalEvent
}
