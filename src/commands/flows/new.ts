import {Args} from '@oclif/core'
import path from 'node:path'
import {BreytaCommand} from '../../cli/base-command.js'
import {newFlow} from '../../engine/index.js'

export default class FlowsNew extends BreytaCommand {
  static override summary = 'Create a new draft flow from a starter template'
  static override args = {slug: Args.string({description: 'Slug: lower-case letters, digits and dashes', required: true})}
  static override examples = ['<%= config.bin %> flows new pr-review']

  async run() {
    const {args} = await this.parse(FlowsNew)
    const ws = await this.workspace()
    const result = await newFlow(ws, args.slug)
    this.say(`Created ${path.relative(process.cwd(), result.path)}\nRun it: breyta flows run ${result.slug} --wait`)
    return result
  }
}
