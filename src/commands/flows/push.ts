import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {pushFlow} from '../../engine/index.js'

export default class FlowsPush extends BreytaCommand {
  static override summary = 'Validate a flow file and store it as the draft of its :slug'
  static override description = 'Refuses (invalid_flow, exit 2) whatever `flows validate` refuses, missing connections and secrets included, unless --force. Unknown keys breyta ignores come back as data.warnings.'
  static override args = {file: Args.string({description: 'Path to an .edn flow file', required: true})}
  static override flags = {force: Flags.boolean({description: 'Store it even though it does not validate (it still needs a readable :slug)'})}
  static override examples = ['<%= config.bin %> flows push flows/hello.edn', '<%= config.bin %> flows push ./review.edn --json']

  async run() {
    const {args, flags} = await this.parse(FlowsPush)
    const result = await pushFlow(await this.workspace(), args.file, {force: flags.force})
    this.say(result.changed ? `Pushed ${result.slug} (draft updated)` : `${result.slug} is unchanged`)
    for (const w of [...result.problems, ...result.warnings]) this.note(`${result.problems.includes(w) ? 'problem' : 'warning'}: ${w.line === undefined ? '' : `${w.line}:${w.column ?? 1} `}${w.path ? w.path + ': ' : ''}${w.message}`)
    return result
  }
}
