import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {continueQueued} from '../../cli/queued.js'
import {runOutcome} from '../../cli/run-outcome.js'
import {driveRun, handToDaemon, probeDaemon, retryRun} from '../../engine/index.js'

export default class RunsRetry extends BreytaCommand {
  static override summary = 'Start a new run with the same pinned definition and input'
  static override description = 'With --from-step, the outputs the original run recorded before that step are reused, so the new run starts executing at that step.'
  static override args = {run: Args.string({description: 'Run id to retry', required: true})}
  static override flags = {'from-step': Flags.string({description: 'Reuse recorded outputs of the steps before this step id'}), wait: waitFlag}
  static override examples = ['<%= config.bin %> runs retry 01JABC…', '<%= config.bin %> runs retry 01JABC… --from-step deploy --wait']

  async run() {
    const {args, flags} = await this.parse(RunsRetry)
    const ws = await this.workspace()
    let view = await retryRun(ws, args.run, {fromStep: flags['from-step']})
    // Handed over only when the daemon acknowledges it; a dead daemon never strands a run.
    const daemon = flags.wait ? await probeDaemon(ws) : await handToDaemon(ws, view.id)
    if (view.status === 'queued' && !flags.wait) {
      // Like `flows run`: a queued retry returns at once, saying what it waits behind.
    } else if (!daemon || flags.wait) {
      const progress = new RunProgress(!this.jsonEnabled())
      progress.start('retrying')
      try {
        // A retry queued by the flow's concurrency policy waits for its slot, then runs here.
        view = await driveRun(ws, view.id, {wait: flags.wait, waitForAdmission: !daemon, env: process.env, onEvent: progress.onEvent})
      } finally {
        progress.stop()
      }
    }
    await continueQueued(ws, view, (t) => this.note(t))
    const shown = await this.shownRun(ws, view)
    this.say(runText(shown))
    return runOutcome(shown, Boolean(flags.wait))
  }
}
