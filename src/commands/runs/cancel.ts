import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {statusText} from '../../cli/format/style.js'
import {continueQueued} from '../../cli/queued.js'
import {cancelRun} from '../../engine/index.js'

export default class RunsCancel extends BreytaCommand {
  static override summary = 'Cancel a queued, running, waiting or sleeping run'
  static override description =
    'A running step is stopped (its process group is killed); the run ends `cancelled` and its open waits with it. Already finished runs give run_not_active (exit 4). Without a daemon, a run queued behind it starts in this process.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override examples = ['<%= config.bin %> runs cancel 01JABC…']

  async run() {
    const {args} = await this.parse(RunsCancel)
    const ws = await this.workspace()
    const view = await cancelRun(ws, args.run)
    this.say(`${view.id} ${statusText(view.status)}`)
    // Its slot is free: without a daemon, this CLI starts what queued behind it.
    await continueQueued(ws, view, (t) => this.note(t))
    return view
  }
}
