import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {queuedStartNote} from '../../cli/queued.js'
import {runOutcome} from '../../cli/run-outcome.js'
import {startRun, type RunView} from '../../engine/index.js'

export default class RunsRetry extends BreytaCommand {
  static override summary = 'Start a new run with the same pinned definition and input'
  static override description =
    'With --from-step, the outputs the original run recorded before that step are reused, so the new run starts executing at that step.'
  static override args = {run: Args.string({description: 'Run id to retry', required: true})}
  static override flags = {'from-step': Flags.string({description: 'Reuse recorded outputs of the steps before this step id'}), wait: waitFlag}
  static override examples = ['<%= config.bin %> runs retry 01JABC…', '<%= config.bin %> runs retry 01JABC… --from-step deploy --wait']

  async run() {
    const {args, flags} = await this.parse(RunsRetry)
    const ws = await this.workspace()
    const progress = new RunProgress(!this.jsonEnabled())
    let view: RunView
    try {
      // Like `flows run`: a queued retry returns at once (unless --wait); one queued by the flow's
      // concurrency policy with --wait and no daemon waits for its slot, then runs here.
      view = (
        await startRun(ws, {
          run: {retry: args.run, fromStep: flags['from-step']},
          wait: flags.wait,
          env: process.env,
          onEvent: progress.onEvent,
          onDrive: () => progress.start('retrying'),
          onQueuedStart: (id, flow) => {
            progress.stop()
            this.note(queuedStartNote(id, flow))
          },
        })
      ).view
    } finally {
      progress.stop()
    }
    const shown = await this.shownRun(ws, view)
    this.say(runText(shown))
    return runOutcome(shown, {wait: flags.wait})
  }
}
