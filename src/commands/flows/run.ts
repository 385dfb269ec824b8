import {Args} from '@oclif/core'
import fs from 'node:fs'
import {BreytaCommand} from '../../cli/base-command.js'
import {inputFileFlag, inputFlag, targetFlag, timeoutFlag, versionFlag, waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {paint} from '../../cli/format/style.js'
import {withHealth} from '../../cli/next-commands.js'
import {continueQueued} from '../../cli/queued.js'
import {runOutcome, waitTimeoutMs} from '../../cli/run-outcome.js'
import {awaitRunChange, BreytaError, createRun, driveRun, handToDaemon, parseInputObject, probeDaemon, type Target} from '../../engine/index.js'

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
    let view = await createRun(ws, {slug: args.slug, input, target: (flags.target as Target | undefined) ?? 'draft', version: flags.version, trigger: 'cli'})
    // Handed over only when the daemon acknowledges it; a dead daemon never strands a run.
    const daemon = flags.wait ? await probeDaemon(ws) : await handToDaemon(ws, view.id)
    let aborted = false
    if (view.status === 'queued' && !flags.wait) {
      const shown = await this.shownRun(ws, view)
      this.note(paint.dim(`Queued behind ${shown['blocked-by']?.join(', ') || 'an active run'} (concurrency policy); ${daemon ? 'the daemon' : 'the CLI or daemon that next ends a run of this flow'} starts it when a slot frees. Follow it with \`breyta runs watch ${view.id}\`.`))
      this.say(runText(shown))
      return shown
    }
    if (!daemon || flags.wait) {
      const progress = new RunProgress(!this.jsonEnabled())
      if (view.status === 'queued') {
        // Said even under --json (on stderr): a wait behind another run can be long.
        process.stderr.write(`Queued behind ${(await withHealth(ws, view))['blocked-by']?.join(', ') || 'an active run'} of ${view.flow} (concurrency policy); waiting for a slot (--wait).\n`)
      }
      progress.start(view.status === 'queued' ? 'queued' : daemon ? 'running in the daemon' : 'starting')
      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      try {
        view = await driveRun(ws, view.id, {wait: flags.wait, waitForAdmission: !daemon, timeoutMs, signal: controller.signal, env: process.env, onEvent: progress.onEvent, ...(daemon ? {pollMs: 50, awaitChange: (id, seq, ms, signal) => awaitRunChange(ws, daemon, id, seq, ms, signal)} : {})})
      } finally {
        aborted = controller.signal.aborted
        progress.stop()
        process.off('SIGINT', onSigint)
      }
      await continueQueued(ws, view, (t) => this.note(paint.dim(t)))
    } else {
      this.note(paint.dim(`Handed to the daemon at ${daemon!.url}.`))
    }
    const shown = await this.shownRun(ws, view)
    this.say(runText(shown))
    return runOutcome(shown, {wait: flags.wait, timeout: flags.timeout, aborted})
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
