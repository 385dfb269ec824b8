import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {namespaceFlag} from '../../cli/kv-flags.js'
import {kvSet} from '../../engine/index.js'

export default class KvSet extends BreytaCommand {
  static override summary = 'Store VALUE under KEY'
  static override description =
    'VALUE is read as JSON when it parses (42, true, {"a":1}); anything else is stored as a string. Use --ttl to make the key expire.'
  static override args = {
    key: Args.string({description: 'Key', required: true}),
    value: Args.string({description: 'Value (JSON or plain text)', required: true}),
  }
  static override flags = {
    namespace: namespaceFlag,
    ttl: Flags.string({description: 'Expire after this long, e.g. 30s, 5m, 24h, 2d'}),
  }
  static override examples = ['<%= config.bin %> kv set last-sha abc123 --namespace my-flow', '<%= config.bin %> kv set limits \'{"max": 5}\' --ttl 1h --json']

  async run() {
    const {args, flags} = await this.parse(KvSet)
    const entry = await kvSet(await this.workspace(), flags.namespace, args.key, args.value, {ttl: flags.ttl})
    this.say(`Set ${entry.namespace}/${entry.key}${entry['expires-at'] === null ? '' : ` (expires ${entry['expires-at']})`}`)
    return entry
  }
}
