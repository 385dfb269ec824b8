/** `:sleep`: park the run until a time; the run loop (or the daemon's timer) wakes it. */
import {List, Sym} from '../edn/values.js'
import {durationProblem} from '../flow/duration.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {StepError, type StepExecutor} from './types.js'

const sleepConfig = {
  until: fields.text.optional(),
  duration: fields.duration.optional(),
} satisfies ConfigShape

export const sleepStep: StepExecutor = {
  type: 'sleep',
  check(config) {
    const c = new StepConfig(config, 'sleep')
    if (!c.has('duration') && !c.has('until')) return ['needs :duration (e.g. "5m") or :until (an ISO time)']
    const d = c.value('duration')
    const problem = d === undefined || d instanceof Sym || d instanceof List ? undefined : durationProblem(d)
    return problem === undefined ? [] : [`:duration: ${problem}`]
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'sleep', sleepConfig)
    const until = c.get('until')
    if (until !== undefined) {
      const t = new Date(until)
      if (Number.isNaN(t.getTime())) throw new StepError(`:sleep :until "${until}" is not an ISO time`, {retryable: false})
      return {kind: 'park', park: {kind: 'sleep', until: t.toISOString()}}
    }
    const ms = c.get('duration')
    if (ms === undefined)
      throw new StepError(':sleep step needs :duration (e.g. "5m") or :until (an ISO time)', {
        retryable: false,
        hint: 'Add :duration or :until to the step config.',
      })
    return {kind: 'park', park: {kind: 'sleep', until: new Date(ctx.now().getTime() + ms).toISOString()}}
  },
}
