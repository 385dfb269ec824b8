import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {limitFlag} from '../../cli/flags.js'
import {paint} from '../../cli/format/style.js'
import {age, table} from '../../cli/format/table.js'
import {listVersions} from '../../engine/index.js'

export default class FlowsVersions extends BreytaCommand {
  static override summary = 'List the released versions of a flow, newest first'
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {
    limit: limitFlag,
    before: Flags.integer({description: 'Cursor: versions older than this one (the `next` of a previous page)', min: 1}),
  }
  static override examples = ['<%= config.bin %> flows versions pr-review', '<%= config.bin %> flows versions pr-review --json']

  async run() {
    const {args, flags} = await this.parse(FlowsVersions)
    const page = await listVersions(await this.workspace(), args.slug, {limit: flags.limit, before: flags.before})
    if (page.items.length === 0) this.say(`${args.slug} has no released versions. Release the draft with \`breyta flows release ${args.slug}\`.`)
    else {
      const rows = page.items.map((v) => [(v.live ? paint.green('* ') : '  ') + 'v' + v.version, v.sha256.slice(0, 12), age(v['created-at']), v.note ?? ''])
      this.say(table(['version', 'sha256', 'created', 'note'], rows) + (page.next ? paint.dim(`more: --before ${page.next}\n`) : ''))
    }
    return {items: page.items, next: page.next}
  }
}
