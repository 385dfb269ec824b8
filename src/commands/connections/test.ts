import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {flagDuration} from '../../cli/durations.js'
import {paint} from '../../cli/format/style.js'
import {BreytaError, testConnection} from '../../engine/index.js'

export default class ConnectionsTest extends BreytaCommand {
  static override summary = 'Check a connection live: http reachability, ssh handshake and host key, db connect, llm/search auth'
  static override description =
    'Goes through the step family a run would use, so the verdict is what a run will meet. ok or skipped (types that cannot be checked without sending something, e.g. slack) exit 0 with {name type verdict message took-ms error}; a failed check is step_failed (exit 1) with the same object in details.'
  static override args = {name: Args.string({description: 'Connection name', required: true})}
  static override flags = {timeout: Flags.string({description: 'Give up after this long', default: '10s'})}
  static override examples = ['<%= config.bin %> connections test gh', '<%= config.bin %> connections test vm --json']

  async run() {
    const {args, flags} = await this.parse(ConnectionsTest)
    const timeoutMs = flagDuration(flags.timeout, '--timeout')
    const result = await testConnection(await this.workspace(), args.name, process.env, {timeoutMs})
    if (result.verdict === 'failed') {
      throw new BreytaError('step_failed', `connection ${result.name} (${result.type}) failed its check: ${result.message}`, {
        hint: result.error?.hint ?? `Check .breyta/connections.edn and its secrets (\`breyta connections show ${result.name}\`).`,
        details: {...result},
      })
    }
    this.say(
      `${result.verdict === 'ok' ? paint.green('ok') : paint.yellow('skipped')} ${result.name} (${result.type}): ${result.message}${result.verdict === 'ok' ? paint.dim(` in ${result['took-ms']} ms`) : ''}`,
    )
    return result
  }
}
