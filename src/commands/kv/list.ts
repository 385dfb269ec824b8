import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {namespaceFlag} from '../../cli/kv-flags.js'
import {paint} from '../../cli/format/style.js'
import {table} from '../../cli/format/table.js'
import {kvList} from '../../engine/index.js'

function short(text: string, max = 60): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}

export default class KvList extends BreytaCommand {
  static override summary = 'List keys in a namespace'
  static override description =
    'Keys in key order. With --json: {items:[{key namespace value expires-at}], next}; pass next back as --cursor for the following page.'
  static override flags = {
    namespace: namespaceFlag,
    prefix: Flags.string({description: 'Only keys starting with this'}),
    limit: Flags.integer({description: 'How many keys at most', min: 1, default: 100}),
    cursor: Flags.string({description: 'Continue after this key (the `next` of the previous page)'}),
  }
  static override examples = ['<%= config.bin %> kv list --namespace my-flow', '<%= config.bin %> kv list --prefix user: --json']

  async run() {
    const {flags} = await this.parse(KvList)
    const page = await kvList(await this.workspace(), flags.namespace, {prefix: flags.prefix, limit: flags.limit, cursor: flags.cursor})
    if (page.items.length === 0) this.say(`No keys in namespace ${flags.namespace}${flags.prefix ? ` starting with ${flags.prefix}` : ''}.`)
    else {
      this.say(
        table(
          ['key', 'value', 'expires'],
          page.items.map((e) => [e.key, short(typeof e.value === 'string' ? e.value : JSON.stringify(e.value)), e['expires-at'] ?? '-']),
        ),
      )
      if (page.next !== null) this.note(paint.dim(`More: --cursor ${page.next}`))
    }
    return page
  }
}
