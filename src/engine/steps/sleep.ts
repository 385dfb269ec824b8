/** `:sleep`: park the run until a time; the run loop (or the daemon's timer) wakes it. */
import {parseDuration} from '../flow/duration.js'
import {StepConfig} from './config.js'
import {StepError, type StepExecutor} from './types.js'

export const sleepStep: StepExecutor = {
  type: 'sleep',
  check(config) {
    const c = new StepConfig(config, 'sleep')
    return c.has('duration') || c.has('until') ? [] : ['needs :duration (e.g. "5m") or :until (an ISO time)']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'sleep')
    const until = c.string('until')
    if (until !== undefined) {
      const t = new Date(until)
      if (Number.isNaN(t.getTime())) throw new StepError(`:sleep :until "${until}" is not an ISO time`, {retryable: false})
      return {kind: 'park', park: {kind: 'sleep', until: t.toISOString()}}
    }
    const ms = parseDuration(c.value('duration') ?? null)
    return {kind: 'park', park: {kind: 'sleep', until: new Date(ctx.now().getTime() + ms).toISOString()}}
  },
}
