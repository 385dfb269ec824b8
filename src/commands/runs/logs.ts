import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {eventLine} from '../../cli/format/run.js'
import {watchRun} from '../../cli/watch.js'
import {plainEvent, readRunEvents} from '../../engine/index.js'

export default class RunsLogs extends BreytaCommand {
  static override summary = 'Print a run\'s journal: steps, attempts, waits and log lines'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {follow: Flags.boolean({char: 'f', description: 'Keep printing new events until the run ends (without a daemon, fires its due timers as `runs watch` does)'})}
  static override examples = ['<%= config.bin %> runs logs 01JABC…', '<%= config.bin %> runs logs 01JABC… --follow', '<%= config.bin %> runs logs 01JABC… --json']

  async run() {
    const {args, flags} = await this.parse(RunsLogs)
    const ws = await this.workspace()
    const items: Record<string, unknown>[] = []
    if (flags.follow) {
      await watchRun(ws, args.run, (e) => {
        items.push(plainEvent(e))
        this.say(eventLine(e))
      })
    } else {
      for (const e of readRunEvents(ws.layout, args.run)) {
        items.push(plainEvent(e))
        this.say(eventLine(e))
      }
    }
    return {items, next: null}
  }
}
