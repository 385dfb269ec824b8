import {Args, Flags} from '@oclif/core'
import os from 'node:os'
import {BreytaCommand} from '../../cli/base-command.js'
import {decide} from '../../cli/decide.js'
import {statusText} from '../../cli/format/style.js'
import {approvalPayload} from '../../engine/index.js'

export default class WaitsReject extends BreytaCommand {
  static override summary = 'Reject an approval wait; the run continues with the rejection'
  static override description =
    "The wait's output becomes {:decision :rejected :by :comment :at}; the flow decides what a rejection means. A wait is completed once: a second decision exits 4."
  static override args = {run: Args.string({description: 'Run id', required: true}), key: Args.string({description: 'Wait key', required: true})}
  static override flags = {
    comment: Flags.string({description: 'Why (recorded with the decision)'}),
    by: Flags.string({description: 'Who decides (default: your OS user name)'}),
  }
  static override examples = ['<%= config.bin %> waits reject 01JABC… approve --comment "needs tests"']

  async run() {
    const {args, flags} = await this.parse(WaitsReject)
    const by = flags.by ?? os.userInfo().username
    const result = await decide(await this.workspace(), args.run, args.key, {
      payload: approvalPayload('rejected', by, flags.comment),
      source: 'cli',
      by,
      decision: 'rejected',
    })
    this.say(
      `Rejected "${args.key}" as ${by}; run ${args.run} is ${statusText(result.status)}${result['continued-in'] === 'daemon' ? ' (continuing in the daemon)' : ''}`,
    )
    return result
  }
}
