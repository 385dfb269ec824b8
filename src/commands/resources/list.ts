import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {table} from '../../cli/format/table.js'
import {listResourcesPage} from '../../engine/index.js'

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export default class ResourcesList extends BreytaCommand {
  static override summary = 'List stored resources (large or persisted step outputs)'
  static override description = 'Newest run first. With --json: {items:[{uri size content-type created-at}], next}.'
  static override flags = {run: Flags.string({description: 'Only resources of this run'})}
  static override examples = ['<%= config.bin %> resources list', '<%= config.bin %> resources list --run 01JABC… --json']

  async run() {
    const {flags} = await this.parse(ResourcesList)
    const page = await listResourcesPage(await this.workspace(), {runId: flags.run})
    if (page.items.length === 0) this.say(flags.run ? `No resources for run ${flags.run}.` : 'No resources.')
    else
      this.say(
        table(
          ['uri', 'size', 'content-type', 'created'],
          page.items.map((r) => [r.uri, human(r.size), r['content-type'], r['created-at']]),
        ),
      )
    return page
  }
}
