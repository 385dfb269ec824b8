import {Args, Flags} from '@oclif/core'
import os from 'node:os'
import {BreytaCommand} from '../../cli/base-command.js'
import {decide} from '../../cli/decide.js'
import {statusText} from '../../cli/format/style.js'
import {approvalPayload} from '../../engine/index.js'

export default class WaitsApprove extends BreytaCommand {
  static override summary = 'Approve an approval wait; the run continues'
  static override description =
    "The wait's output becomes {:decision :approved :by :comment :at}. A wait is completed once: a second decision exits 4 (wait_already_completed). The run continues in the daemon if one runs, otherwise in this process."
  static override args = {run: Args.string({description: 'Run id', required: true}), key: Args.string({description: 'Wait key', required: true})}
  static override flags = {
    comment: Flags.string({description: 'A note recorded with the decision'}),
    by: Flags.string({description: 'Who decides (default: your OS user name)'}),
  }
  static override examples = [
    '<%= config.bin %> waits approve 01JABC… approve',
    '<%= config.bin %> waits approve 01JABC… approve --by alice --comment "LGTM" --json',
  ]

  async run() {
    const {args, flags} = await this.parse(WaitsApprove)
    const by = flags.by ?? os.userInfo().username
    const result = await decide(await this.workspace(), args.run, args.key, {
      payload: approvalPayload('approved', by, flags.comment),
      source: 'cli',
      by,
      decision: 'approved',
    })
    this.say(
      `Approved "${args.key}" as ${by}; run ${args.run} is ${statusText(result.status)}${result['continued-in'] === 'daemon' ? ' (continuing in the daemon)' : ''}`,
    )
    return result
  }
}
