import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {timeoutFlag, waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {continueQueued} from '../../cli/queued.js'
import {runOutcome, waitTimeoutMs} from '../../cli/run-outcome.js'
import {resumeRun} from '../../engine/index.js'

export default class RunsResume extends BreytaCommand {
  static override summary = 'Continue a run whose process died, or a parked run whose time has come'
  static override description =
    'Replays the journal: steps that completed return their recorded output and are not run again; a step that was interrupted runs again with the next attempt number.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {wait: waitFlag, timeout: timeoutFlag}
  static override examples = ['<%= config.bin %> runs resume 01JABC…', '<%= config.bin %> runs resume 01JABC… --wait --json']

  async run() {
    const {args, flags} = await this.parse(RunsResume)
    const timeoutMs = waitTimeoutMs(flags)
    const ws = await this.workspace()
    const progress = new RunProgress(!this.jsonEnabled())
    progress.start('resuming')
    let view
    try {
      view = await resumeRun(ws, args.run, {wait: flags.wait, timeoutMs, env: process.env, onEvent: progress.onEvent})
    } finally {
      progress.stop()
    }
    await continueQueued(ws, view, (t) => this.note(t))
    const shown = await this.shownRun(ws, view)
    this.say(runText(shown))
    return runOutcome(shown, {wait: flags.wait, timeout: flags.timeout})
  }
}
