import {describe, expect, it} from 'vitest'
import {kw} from '../../../src/engine/edn/values.js'
import {durationProblem, formatDuration, parseDuration} from '../../../src/engine/flow/duration.js'

describe('parseDuration', () => {
  it('reads the SPEC forms', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1h 30m')).toBe(5_400_000)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('1.5h')).toBe(5_400_000)
  })

  it('reads numbers (and numeric strings) as seconds', () => {
    expect(parseDuration(30)).toBe(30_000)
    expect(parseDuration(0.5)).toBe(500)
    expect(parseDuration(2n)).toBe(2000)
    expect(parseDuration('90')).toBe(90_000)
  })

  it('rejects junk, negatives, zero and non-durations', () => {
    for (const bad of ['junk', '1h junk', '5x', '', 'ms', '-5s', '0s', 0, -1, null, [1], kw('soon')]) {
      expect(() => parseDuration(bad), JSON.stringify(String(bad))).toThrow()
    }
    expect(durationProblem('-5s')).toBe('invalid duration "-5s": use e.g. "30s", "5m", "24h", "2d", "1h30m", "500ms" or a number of seconds')
    expect(durationProblem(-5)).toBe('a duration must not be negative')
    expect(durationProblem('0s')).toBe('a duration must be longer than zero')
    expect(durationProblem('5m')).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it('writes compact durations that read back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m')
    expect(formatDuration(500)).toBe('500ms')
    expect(formatDuration(90_061_001)).toBe('1d1h1m1s1ms')
    for (const ms of [1, 999, 1000, 61_000, 86_400_000, 123_456_789]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
})
