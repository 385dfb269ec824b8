import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {statusText} from '../../cli/format/style.js'
import {cancelRun} from '../../engine/index.js'

export default class RunsCancel extends BreytaCommand {
  static override summary = 'Cancel a queued, running, waiting or sleeping run'
  static override description = 'A running step is stopped (its process group is killed); the run ends `cancelled`. Already finished runs give run_not_active (exit 4).'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override examples = ['<%= config.bin %> runs cancel 01JABC…']

  async run() {
    const {args} = await this.parse(RunsCancel)
    const view = await cancelRun(await this.workspace(), args.run)
    this.say(`${view.id} ${statusText(view.status)}`)
    return view
  }
}
