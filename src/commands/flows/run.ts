import {Args} from '@oclif/core'
import fs from 'node:fs'
import {BreytaCommand} from '../../cli/base-command.js'
import {inputFileFlag, inputFlag, targetFlag, timeoutFlag, versionFlag, waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {paint} from '../../cli/format/style.js'
import {withHealth} from '../../cli/next-commands.js'
import {queuedStartNote} from '../../cli/queued.js'
import {runOutcome, waitTimeoutMs} from '../../cli/run-outcome.js'
import {BreytaError, parseInputObject, startRun, type StartedRun, type Target} from '../../engine/index.js'

export default class FlowsRun extends BreytaCommand {
  static override summary = 'Start a run of a flow'
  static override description = `Without a daemon the run executes in this process until it completes or parks (waiting/sleeping); with a daemon running it is handed to the daemon and this command returns at once. A run queued by the flow's concurrency policy returns at once (status queued, blocked-by: the runs in its way) unless --wait. --wait keeps going until the run ends: sleeps are slept out and waits are waited on (complete them from another terminal with \`breyta waits …\`). With --wait, a failed or cancelled run exits 5, and a --timeout that passes first exits 6 (wait_timed_out; the run goes on).`
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {
    input: inputFlag,
    'input-file': inputFileFlag,
    target: targetFlag,
    version: versionFlag,
    wait: waitFlag,
    timeout: timeoutFlag,
  }
  static override examples = [
    '<%= config.bin %> flows run hello --wait',
    `<%= config.bin %> flows run pr-review --input '{"pr": 42}' --target live --json`,
    '<%= config.bin %> flows run nightly --input-file input.json --wait --timeout 10m',
  ]

  async run() {
    const {args, flags} = await this.parse(FlowsRun)
    const timeoutMs = waitTimeoutMs(flags)
    const ws = await this.workspace()
    const input = readInput(flags)
    const progress = new RunProgress(!this.jsonEnabled())
    const controller = new AbortController()
    const onSigint = () => controller.abort()
    let started: StartedRun
    try {
      started = await startRun(ws, {
        run: {slug: args.slug, input, target: (flags.target as Target | undefined) ?? 'draft', version: flags.version, trigger: 'cli'},
        wait: flags.wait,
        timeoutMs,
        signal: controller.signal,
        env: process.env,
        onEvent: progress.onEvent,
        onDrive: async (view, daemon) => {
          if (view.status === 'queued') {
            // Said even under --json (on stderr): a wait behind another run can be long.
            process.stderr.write(`Queued behind ${(await withHealth(ws, view))['blocked-by']?.join(', ') || 'an active run'} of ${view.flow} (concurrency policy); waiting for a slot (--wait).\n`)
          }
          progress.start(view.status === 'queued' ? 'queued' : daemon ? 'running in the daemon' : 'starting')
          process.once('SIGINT', onSigint)
        },
        onQueuedStart: (id, flow) => {
          progress.stop()
          process.off('SIGINT', onSigint)
          this.note(paint.dim(queuedStartNote(id, flow)))
        },
      })
    } finally {
      progress.stop()
      process.off('SIGINT', onSigint)
    }
    const {view} = started
    const shown = await this.shownRun(ws, view)
    if (started['handed-to'] === 'queue') {
      this.note(paint.dim(`Queued behind ${shown['blocked-by']?.join(', ') || 'an active run'} (concurrency policy); ${started.daemon ? 'the daemon' : 'the CLI or daemon that next ends a run of this flow'} starts it when a slot frees. Follow it with \`breyta runs watch ${view.id}\`.`))
      this.say(runText(shown))
      return shown
    }
    if (started['handed-to'] === 'daemon') this.note(paint.dim(`Handed to the daemon at ${started.daemon.url}.`))
    this.say(runText(shown))
    return runOutcome(shown, {wait: flags.wait, timeout: flags.timeout, aborted: controller.signal.aborted})
  }
}

/** --input or --input-file (or - for stdin), as the JSON object the flow gets as its input. */
function readInput(flags: {input?: string; 'input-file'?: string}) {
  const file = flags['input-file']
  if (file === undefined) return flags.input === undefined ? undefined : parseInputObject(flags.input, '--input')
  let text: string
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    throw new BreytaError('invalid_input', `--input-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {hint: 'Pass a path to a JSON file with the run input, or - to read it from stdin.'})
  }
  return parseInputObject(text, `--input-file ${file}`)
}
