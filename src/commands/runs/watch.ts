import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {eventLine, runText} from '../../cli/format/run.js'
import {followRun} from '../../engine/index.js'

export default class RunsWatch extends BreytaCommand {
  static override summary = 'Follow a run live until it completes, fails or is cancelled'
  static override description = 'Prints each journal event as it happens. With --json, prints nothing until the run ends, then the run (the same shape as `runs show --json`). Ctrl-C stops watching; the run goes on.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override examples = ['<%= config.bin %> runs watch 01JABC…']

  async run() {
    const {args} = await this.parse(RunsWatch)
    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort())
    const view = await followRun(await this.workspace(), args.run, (e) => this.say(eventLine(e)), {signal: controller.signal})
    this.say('\n' + runText(view))
    return view
  }
}
