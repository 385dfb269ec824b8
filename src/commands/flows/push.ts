import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {pushFlow} from '../../engine/index.js'

export default class FlowsPush extends BreytaCommand {
  static override summary = 'Validate a flow file and store it as the draft of its :slug'
  static override args = {file: Args.string({description: 'Path to an .edn flow file', required: true})}
  static override examples = ['<%= config.bin %> flows push flows/hello.edn', '<%= config.bin %> flows push ./review.edn --json']

  async run() {
    const {args} = await this.parse(FlowsPush)
    const result = await pushFlow(await this.workspace(), args.file)
    this.say(result.changed ? `Pushed ${result.slug} (draft updated)` : `${result.slug} is unchanged`)
    return result
  }
}
