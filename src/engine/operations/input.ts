/** Run input given as JSON on the command line or in a file. */
import {MAX_NESTING, tooDeep} from '../edn/depth.js'
import {fromJson} from '../edn/json.js'
import type {Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'

export function parseInputJson(text: string, what: string): Value {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new BreytaError('invalid_input', `${what} is not valid JSON: ${(err as Error).message}`, {hint: 'Pass a JSON object, e.g. --input \'{"pr": 1}\'.'})
  }
  const deep = tooDeep(parsed)
  if (deep !== undefined) {
    throw new BreytaError('invalid_input', `${what} nests deeper than ${MAX_NESTING} levels (at ${deep})`, {
      hint: `Flatten the input; at most ${MAX_NESTING} levels of arrays and objects.`,
      details: {path: deep, 'max-nesting': MAX_NESTING},
    })
  }
  return fromJson(parsed)
}

/** A run's input: a JSON object (the flow reads it as a map), never an array or a scalar. */
export function parseInputObject(text: string, what: string): Value {
  const value = parseInputJson(text, what)
  if (!(value instanceof Map)) {
    const kind = text.trim().startsWith('[') ? 'an array' : 'not an object'
    throw new BreytaError('invalid_input', `${what} must be a JSON object, but it is ${kind}`, {
      hint: 'Pass a JSON object, e.g. --input \'{"pr": 1}\' (wrap a list: \'{"items": [1, 2]}\').',
    })
  }
  return value
}
