/**
 * Durations in flows and flags: "30s", "5m", "24h", "2d", "1h30m", "500ms", or a number of
 * seconds (SPEC §3). parse-duration alone is too lenient ("1h junk" is an hour to it), so the
 * text must first match the strict grammar below.
 */
import parse from 'parse-duration'
import {Keyword, type Value} from '../edn/values.js'

/** One or more <number><unit> parts, optionally separated by spaces: "1h30m", "1h 30m", "1.5h". */
const DURATION = /^(\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*)+$/
const SECONDS = /^\d+(\.\d+)?$/

export class DurationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DurationError'
  }
}

function fromText(text: string): number {
  const s = text.trim()
  if (SECONDS.test(s)) return Number(s) * 1000
  if (!DURATION.test(s))
    throw new DurationError(`invalid duration ${JSON.stringify(text)}: use e.g. "30s", "5m", "24h", "2d", "1h30m", "500ms" or a number of seconds`)
  const ms = parse(s)
  if (ms === null || !Number.isFinite(ms)) throw new DurationError(`invalid duration ${JSON.stringify(text)}`)
  return ms
}

/** Milliseconds for a duration value; throws DurationError on junk, negatives and zero. */
export function parseDuration(v: Value | undefined): number {
  let ms: number
  if (typeof v === 'number' || typeof v === 'bigint') ms = Number(v) * 1000
  else if (typeof v === 'string') ms = fromText(v)
  else if (v instanceof Keyword) ms = fromText(v.name)
  else throw new DurationError('a duration must be a string like "30s" or a number of seconds')
  if (!Number.isFinite(ms) || ms < 0) throw new DurationError(`a duration must not be negative`)
  if (ms === 0) throw new DurationError(`a duration must be longer than zero`)
  return Math.round(ms)
}

/** The problem with a duration value, or undefined when it is valid. */
export function durationProblem(v: Value | undefined): string | undefined {
  try {
    parseDuration(v)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
]

/** A compact duration that parseDuration reads back: 5400000 → "1h30m", 500 → "500ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s'
  let rest = Math.round(ms)
  let out = ''
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size)
    if (n > 0) {
      out += n + unit
      rest -= n * size
    }
  }
  return out
}
