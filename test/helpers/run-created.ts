/** A `run_created` event for store tests: flow `f`, drafted, its sha256 that of `flowText`. */
import crypto from 'node:crypto'
import type {UnsequencedEvent} from '../../src/engine/journal/events.js'

export const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex')

export function runCreated(run: string, flowText = '{:slug :f}'): UnsequencedEvent {
  return {type: 'run_created', at: new Date().toISOString(), run, flow: 'f', target: 'draft', version: null, sha256: sha256(flowText), input: {}}
}
