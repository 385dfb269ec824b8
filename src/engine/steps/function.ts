/** `:function`: evaluate a `:functions` entry (`:ref`) or inline `:code` on `:input`, purely. */
import {StepConfig} from './config.js'
import {done, type StepExecutor} from './types.js'

export const functionStep: StepExecutor = {
  type: 'function',
  pure: true,
  check(config) {
    const c = new StepConfig(config, 'function')
    return c.has('ref') || c.has('code') ? [] : ['needs :ref (a :functions id) or :code']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'function')
    const ref = c.string('ref')
    const code = c.string('code')
    return done(await ctx.callFunction(ref === undefined ? {code} : {ref}, c.value('input') ?? null))
  },
}
