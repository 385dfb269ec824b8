/** `:function`: evaluate a `:functions` entry (`:ref`) or inline `:code` on `:input`, purely. */
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {done, type StepExecutor} from './types.js'

const functionConfig = {
  ref: fields.text.optional(),
  code: fields.text.optional(),
  input: fields.value.optional(),
} satisfies ConfigShape

export const functionStep: StepExecutor = {
  type: 'function',
  pure: true,
  check(config) {
    const c = new StepConfig(config, 'function')
    return c.has('ref') || c.has('code') ? [] : ['needs :ref (a :functions id) or :code']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'function', functionConfig)
    const ref = c.get('ref')
    const code = c.get('code')
    return done(await ctx.callFunction(ref === undefined ? {code} : {ref}, c.get('input') ?? null))
  },
}
