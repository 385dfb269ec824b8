import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {namespaceFlag} from '../../cli/kv-flags.js'
import {kvDelete} from '../../engine/index.js'

export default class KvDelete extends BreytaCommand {
  static override summary = 'Delete KEY'
  static override description = 'A missing key exits 3 (resource_not_found).'
  static override args = {key: Args.string({description: 'Key', required: true})}
  static override flags = {namespace: namespaceFlag}
  static override examples = ['<%= config.bin %> kv delete last-sha --namespace my-flow']

  async run() {
    const {args, flags} = await this.parse(KvDelete)
    const result = await kvDelete(await this.workspace(), flags.namespace, args.key)
    this.say(`Deleted ${result.namespace}/${result.key}`)
    return result
  }
}
