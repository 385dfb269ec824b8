/** A duration given on the command line (--timeout, --grace): a bad one is the user's, never a bug. */
import {BreytaError, parseDuration} from '../engine/index.js'

export function flagDuration(value: string, flag: string): number {
  try {
    return parseDuration(value)
  } catch (err) {
    throw new BreytaError('invalid_input', `${flag} ${JSON.stringify(value)}: ${(err as Error).message}`, {
      hint: `Give ${flag} a positive duration, e.g. 30s, 5m or 2h.`,
    })
  }
}
