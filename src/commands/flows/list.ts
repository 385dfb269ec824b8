import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {table} from '../../cli/format/table.js'
import {listFlows} from '../../engine/index.js'

export default class FlowsList extends BreytaCommand {
  static override summary = 'List the flows in this workspace'
  static override examples = ['<%= config.bin %> flows list', '<%= config.bin %> flows list --json']

  async run() {
    await this.parse(FlowsList)
    const items = await listFlows(await this.workspace())
    if (items.length === 0) this.say('No flows yet. Create one with `breyta flows new SLUG` or `breyta flows push FILE`.')
    else {
      this.say(
        table(
          ['slug', 'name', 'live', 'triggers'],
          items.map((f) => [f.slug + (f.valid ? '' : paint.red(' (invalid)')), f.name ?? '-', f.live === null ? '-' : `v${f.live}`, f.triggers.join(',') || '-']),
        ),
      )
    }
    return {items, next: null}
  }
}
