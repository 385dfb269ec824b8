import {Args, Flags} from '@oclif/core'
import os from 'node:os'
import {BreytaCommand} from '../../cli/base-command.js'
import {decide} from '../../cli/decide.js'
import {statusText} from '../../cli/format/style.js'
import {parseInputJson} from '../../engine/index.js'

export default class WaitsComplete extends BreytaCommand {
  static override summary = 'Complete a wait with a JSON payload (what a worker would POST to the callback URL)'
  static override args = {run: Args.string({description: 'Run id', required: true}), key: Args.string({description: 'Wait key', required: true})}
  static override flags = {
    payload: Flags.string({description: 'The payload as JSON (default: {})'}),
    by: Flags.string({description: 'Who completes it (default: your OS user name)'}),
  }
  static override examples = [`<%= config.bin %> waits complete 01JABC… build-done --payload '{"ok": true, "url": "https://…"}'`]

  async run() {
    const {args, flags} = await this.parse(WaitsComplete)
    const by = flags.by ?? os.userInfo().username
    const payload = parseInputJson(flags.payload ?? '{}', '--payload')
    const result = await decide(await this.workspace(), args.run, args.key, {payload, source: 'cli', by})
    this.say(`Completed "${args.key}"; run ${args.run} is ${statusText(result.status)}`)
    return result
  }
}
