/**
 * oclif's own parse errors, restated in full on one line: its messages spread over several lines
 * ("Missing 1 required arg:\nrun  Run id", "Parsing --limit \n\tExpected an integer…") and end in
 * "See more help with --help", so the first line alone ("Parsing --limit ") said nothing.
 */
import {BreytaError} from '../engine/index.js'

interface ParseErrorLike extends Error {
  args?: {name?: string; description?: string}[]
}

/** The whole message of an oclif parse error, without the trailer, as one line. */
export function parseErrorMessage(err: ParseErrorLike): string {
  if (err.constructor.name === 'RequiredArgsError' && Array.isArray(err.args) && err.args.length > 0) {
    const named = err.args.map((a) => `${(a.name ?? '?').toUpperCase()}${a.description ? ` (${a.description})` : ''}`)
    return `missing required argument${named.length === 1 ? '' : 's'}: ${named.join(', ')}`
  }
  const lines = err.message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'See more help with --help')
  const [first = 'invalid command line', ...rest] = lines
  if (rest.length === 0) return first
  return `${first.replace(/:?\s*$/, '')}: ${rest.join('; ')}`
}

/** A parse error as the invalid_input every other bad input is. */
export function parseError(err: ParseErrorLike, commandId: string | undefined): BreytaError {
  const usage = `breyta ${commandId?.replaceAll(':', ' ') ?? ''}`.trim()
  return new BreytaError('invalid_input', parseErrorMessage(err), {hint: `See \`${usage} --help\`.`})
}
