import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {promoteFlow} from '../../engine/index.js'

export default class FlowsPromote extends BreytaCommand {
  static override summary = 'Make a released version live (also a rollback)'
  static override description = `New live runs use the promoted version; runs already started keep the version they started on (with :on-new-version :supersede, live runs on other versions are cancelled instead).`
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {version: Flags.integer({description: 'The version to make live', required: true, min: 1})}
  static override examples = ['<%= config.bin %> flows promote pr-review --version 3', '<%= config.bin %> flows promote pr-review --version 1 --json   # roll back']

  async run() {
    const {args, flags} = await this.parse(FlowsPromote)
    const r = await promoteFlow(await this.workspace(), args.slug, flags.version)
    if (!r.changed) this.say(`${r.slug} v${r.version} is already live; nothing changed.`)
    else this.say(`${paint.green('Live')} ${r.slug} v${r.version}${r.previous === null ? '' : paint.dim(` (was v${r.previous})`)}`)
    if (r.superseded.length > 0) this.say(paint.dim(`Superseded (cancelled): ${r.superseded.join(', ')}`))
    return r
  }
}
