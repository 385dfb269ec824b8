import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {limitFlag} from '../../cli/flags.js'
import {runListText} from '../../cli/format/run.js'
import {listRuns, type RunStatus} from '../../engine/index.js'

export default class RunsList extends BreytaCommand {
  static override summary = 'List runs, newest first'
  static override flags = {
    flow: Flags.string({description: 'Only runs of this flow'}),
    status: Flags.string({
      description: 'Only runs with this status',
      options: ['queued', 'running', 'waiting', 'sleeping', 'completed', 'failed', 'cancelled'],
    }),
    limit: limitFlag,
    before: Flags.string({description: 'Cursor: list runs older than this run id (the `next` of a previous page)'}),
  }
  static override examples = [
    '<%= config.bin %> runs list',
    '<%= config.bin %> runs list --flow pr-review --status waiting --json',
    '<%= config.bin %> runs list --limit 50 --before 01JABC…',
  ]

  async run() {
    const {flags} = await this.parse(RunsList)
    const page = await listRuns(await this.workspace(), {
      flow: flags.flow,
      status: flags.status as RunStatus | undefined,
      limit: flags.limit,
      before: flags.before,
    })
    this.say(runListText(page.items, page.next))
    return page
  }
}
