import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {age, table} from '../../cli/format/table.js'
import {listOpenWaits} from '../../engine/index.js'

export default class WaitsList extends BreytaCommand {
  static override summary = 'List open waits and approvals'
  static override flags = {run: Flags.string({description: 'Only waits of this run'})}
  static override examples = ['<%= config.bin %> waits list', '<%= config.bin %> waits list --run 01JABC… --json']

  async run() {
    const {flags} = await this.parse(WaitsList)
    const items = listOpenWaits(await this.workspace(), {runId: flags.run})
    if (items.length === 0) this.say('No open waits.')
    else {
      this.say(
        table(
          ['run', 'flow', 'key', 'kind', 'opened', 'times out'],
          items.map((w) => [w.run, w.flow, w.key, w.approval ? paint.yellow(`approval: ${w.approval.prompt}`) : 'callback', age(w['opened-at']), w['timeout-at'] ?? '-']),
        ),
      )
    }
    return {items, next: null}
  }
}
