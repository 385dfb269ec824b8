import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {targetFlag, versionFlag} from '../../cli/flags.js'
import {paint} from '../../cli/format/style.js'
import {showFlow, type Target} from '../../engine/index.js'

export default class FlowsShow extends BreytaCommand {
  static override summary = 'Show a flow definition (draft, live, or a released version)'
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {target: targetFlag, version: versionFlag}
  static override examples = ['<%= config.bin %> flows show hello', '<%= config.bin %> flows show hello --target live', '<%= config.bin %> flows show hello --version 2 --json']

  async run() {
    const {args, flags} = await this.parse(FlowsShow)
    const detail = await showFlow(await this.workspace(), args.slug, {target: flags.target as Target | undefined, version: flags.version})
    this.note(paint.dim(`${detail.slug} · ${detail.target}${detail.version === null ? '' : ` v${detail.version}`} · ${detail.steps.length} step call(s) · sha256 ${detail.sha256.slice(0, 12)}`))
    this.say(detail.source)
    return detail
  }
}
