/**
 * oclif calls this for a command it does not know. Without it, oclif printed its own text on
 * stderr and nothing on stdout, even under --json; here the answer is `unknown_command` (exit 2)
 * with the nearest commands, as the envelope under --json.
 */
import type {Hook} from '@oclif/core'
import {BreytaError, closest, exitCodeFor} from '../../engine/index.js'
import {errorDocument, serialize} from '../envelope.js'
import {writeHumanError} from '../error-text.js'

const hook: Hook.CommandNotFound = async function (opts) {
  const spaced = (id: string) => id.replaceAll(':', ' ')
  const words = opts.id.split(':').filter((w) => w !== '' && !w.startsWith('-'))
  const typed = words.join(' ')
  const ids = opts.config.commandIDs.filter((id) => !id.startsWith('plugins') && id !== 'autocomplete').map(spaced)
  let suggestions = closest(typed, ids)
  // "runs lst RUN": the id oclif tried may have taken an argument as a word; try shorter prefixes.
  for (let n = words.length - 1; suggestions.length === 0 && n >= 1; n--) suggestions = closest(words.slice(0, n).join(' '), ids)
  const error = new BreytaError('unknown_command', `unknown command "${typed}"`, {
    hint:
      suggestions.length > 0
        ? `Did you mean ${suggestions.map((s) => `\`breyta ${s}\``).join(' or ')}? See \`breyta --help\`.`
        : 'See `breyta --help` for the commands.',
    details: {command: typed, suggestions: suggestions.map((s) => `breyta ${s}`)},
  })
  process.exitCode = exitCodeFor(error.code)
  const json = [...(opts.argv ?? []), ...process.argv].includes('--json')
  if (json) process.stdout.write(serialize(errorDocument(error), Boolean(process.stdout.isTTY)))
  else writeHumanError(error, error)
  return error.code
}

export default hook
