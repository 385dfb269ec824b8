import {describe, expect, it} from 'vitest'
import {executorDeaths, INTERRUPTED_LOG} from '../../../src/engine/runtime/crashes.js'
import type {JournalEvent} from '../../../src/engine/journal/events.js'

let seq = 0
const ev = (type: string, extra: Record<string, unknown> = {}) => ({seq: ++seq, at: 't', type, ...extra}) as unknown as JournalEvent
const start = () => ev('run_resumed', {pid: 1})
const stepStarted = () => ev('step_started', {step: 's', stepType: 'exec', position: '0', attempt: 1, input: null})
const stepDone = () => ev('step_completed', {step: 's', stepType: 'exec', position: '0', attempt: 1, output: null})

describe('executorDeaths', () => {
  it('counts advances that died in a row without progress', () => {
    expect(executorDeaths([ev('run_created'), ev('run_started', {pid: 1})])).toBe(1) // the one being read is open
    expect(executorDeaths([start(), stepStarted(), start(), stepStarted(), start(), stepStarted()])).toBe(3)
  })

  it('progress starts a new streak; a clean end or an interruption ends it', () => {
    expect(executorDeaths([start(), stepStarted(), start(), stepDone(), stepStarted(), start()])).toBe(2)
    expect(executorDeaths([start(), start(), ev('run_parked', {status: 'sleeping'}), start()])).toBe(1)
    expect(executorDeaths([start(), ev('log', {message: INTERRUPTED_LOG}), start(), ev('log', {message: INTERRUPTED_LOG})])).toBe(0)
    expect(executorDeaths([start(), ev('log', {step: 's', message: INTERRUPTED_LOG}), start()])).toBe(2)
  })
})
