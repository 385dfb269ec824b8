import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {daemonStatus} from '../../engine/index.js'

export default class DaemonStatus extends BreytaCommand {
  static override summary = 'Is a daemon running? Its pid, url, uptime, and the runs by status'
  static override description = 'Exits 0 whether or not a daemon runs; `running` says which.'
  static override examples = ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json']

  async run() {
    await this.parse(DaemonStatus)
    const status = await daemonStatus(await this.workspace())
    const counts =
      Object.entries(status.runs)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'no runs'
    if (status.running) this.say(`daemon ${paint.green('running')}: pid ${status.pid}, ${status.url}, up ${status['uptime-s']} s\nruns: ${counts}`)
    else this.say(`daemon ${paint.dim('not running')}\nruns: ${counts}`)
    return status
  }
}
