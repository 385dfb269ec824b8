import {describe, expect, it} from 'vitest'
import {checkCron, checkTimezone, nextFire} from '../../../src/engine/flow/cron.js'

describe('checkCron', () => {
  it('accepts valid expressions and timezones', () => {
    expect(checkCron('0 9 * * 1-5')).toBeUndefined()
    expect(checkCron('*/15 * * * *', 'Europe/Oslo')).toBeUndefined()
    expect(checkCron('0 0 12 * * *', 'UTC')).toBeUndefined()
  })

  it('explains what is wrong', () => {
    expect(checkCron('61 * * * *')).toBe('invalid cron "61 * * * *": Invalid value for minute: 61')
    expect(checkCron('0 9 * *')).toMatch(/^invalid cron "0 9 \* \*": .*five, six, or seven/)
    expect(checkCron('0 0 31 2 *')).toBe('cron "0 0 31 2 *" never fires')
    expect(checkCron('0 9 * * *', 'Mars/Olympus')).toMatch(/^unknown timezone "Mars\/Olympus"/)
    expect(checkTimezone('America/New_York')).toBeUndefined()
  })
})

describe('nextFire', () => {
  it('finds the next time in the timezone, strictly after the given time', () => {
    // 09:00 in Oslo is 08:00 UTC in winter; Monday 2024-01-01 09:00 Oslo has not passed at 07:00 UTC.
    expect(nextFire('0 9 * * 1-5', 'Europe/Oslo', new Date('2024-01-01T07:00:00Z'))).toEqual(new Date('2024-01-01T08:00:00Z'))
    expect(nextFire('0 9 * * 1-5', 'Europe/Oslo', new Date('2024-01-01T08:00:00Z'))).toEqual(new Date('2024-01-02T08:00:00Z'))
    // Friday evening → Monday.
    expect(nextFire('0 9 * * 1-5', 'UTC', new Date('2024-01-05T18:00:00Z'))).toEqual(new Date('2024-01-08T09:00:00Z'))
  })

  it('returns undefined for a schedule that never fires', () => {
    expect(nextFire('0 0 31 2 *', undefined, new Date('2024-01-01T00:00:00Z'))).toBeUndefined()
  })
})
