import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {eventLine, runText} from '../../cli/format/run.js'
import {continueQueued} from '../../cli/queued.js'
import {watchRun} from '../../cli/watch.js'

export default class RunsWatch extends BreytaCommand {
  static override summary = 'Follow a run live until it completes, fails or is cancelled'
  static override description =
    "Prints each journal event as it happens. With --json, prints nothing until the run ends, then the run (the same shape as `runs show --json`). Without a daemon this process fires the run's due sleeps and wait timeouts and starts it when queued, as --wait does; what it waits on is said on stderr. A stale run (its process is gone) ends the watch at once: run_not_active (exit 4) with `breyta runs resume RUN` in meta.next-commands. Ctrl-C stops watching; the run goes on."
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override examples = ['<%= config.bin %> runs watch 01JABC…', '<%= config.bin %> runs watch 01JABC… --json']

  async run() {
    const {args} = await this.parse(RunsWatch)
    const ws = await this.workspace()
    const view = await watchRun(ws, args.run, (e) => this.say(eventLine(e)))
    await continueQueued(ws, view, (t) => this.note(t))
    const shown = await this.shownRun(ws, view)
    this.say('\n' + runText(shown))
    return shown
  }
}
