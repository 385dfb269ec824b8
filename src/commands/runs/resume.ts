import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {timeoutFlag, waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {runOutcome} from '../../cli/run-outcome.js'
import {parseDuration, resumeRun} from '../../engine/index.js'

export default class RunsResume extends BreytaCommand {
  static override summary = 'Continue a run whose process died, or a parked run whose time has come'
  static override description = 'Replays the journal: steps that completed return their recorded output and are not run again; a step that was interrupted runs again with the next attempt number.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {wait: waitFlag, timeout: timeoutFlag}
  static override examples = ['<%= config.bin %> runs resume 01JABC…', '<%= config.bin %> runs resume 01JABC… --wait --json']

  async run() {
    const {args, flags} = await this.parse(RunsResume)
    const progress = new RunProgress(!this.jsonEnabled())
    progress.start('resuming')
    let view
    try {
      view = await resumeRun(await this.workspace(), args.run, {wait: flags.wait, timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout), env: process.env, onEvent: progress.onEvent})
    } finally {
      progress.stop()
    }
    this.say(runText(view))
    return runOutcome(view, Boolean(flags.wait))
  }
}
