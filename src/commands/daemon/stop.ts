import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {flagDuration} from '../../cli/durations.js'
import {stopDaemon} from '../../engine/index.js'

export default class DaemonStop extends BreytaCommand {
  static override summary = 'Stop the running daemon (SIGTERM, then SIGKILL after a grace period)'
  static override description =
    'In-flight runs are interrupted at a safe point and resumed by the next daemon (or `breyta runs resume`). No daemon running: daemon_not_running (exit 1).'
  static override flags = {grace: Flags.string({description: 'How long to wait before SIGKILL', default: '15s'})}
  static override examples = ['<%= config.bin %> daemon stop', '<%= config.bin %> daemon stop --grace 5s --json']

  async run() {
    const {flags} = await this.parse(DaemonStop)
    const result = await stopDaemon(await this.workspace(), {graceMs: flagDuration(flags.grace, '--grace')})
    this.say(`daemon (pid ${result.pid}) stopped${result.forced ? ' (killed after the grace period)' : ''}`)
    return result
  }
}
