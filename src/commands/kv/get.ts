import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {namespaceFlag} from '../../cli/kv-flags.js'
import {kvGet} from '../../engine/index.js'

export default class KvGet extends BreytaCommand {
  static override summary = 'Print the value stored under KEY'
  static override description = 'A missing or expired key exits 3 (resource_not_found). With --json: {key namespace value expires-at}.'
  static override args = {key: Args.string({description: 'Key', required: true})}
  static override flags = {namespace: namespaceFlag}
  static override examples = ['<%= config.bin %> kv get counter --namespace my-flow', '<%= config.bin %> kv get last-sha --json']

  async run() {
    const {args, flags} = await this.parse(KvGet)
    const entry = await kvGet(await this.workspace(), flags.namespace, args.key)
    this.say(typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value))
    if (entry['expires-at'] !== null) this.note(`expires at ${entry['expires-at']}`)
    return entry
  }
}
