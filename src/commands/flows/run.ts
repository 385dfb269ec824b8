import {Args} from '@oclif/core'
import fs from 'node:fs'
import {BreytaCommand} from '../../cli/base-command.js'
import {inputFileFlag, inputFlag, targetFlag, timeoutFlag, versionFlag, waitFlag} from '../../cli/flags.js'
import {RunProgress} from '../../cli/format/progress.js'
import {runText} from '../../cli/format/run.js'
import {paint} from '../../cli/format/style.js'
import {runOutcome} from '../../cli/run-outcome.js'
import {awaitRunChange, createRun, driveRun, handToDaemon, parseDuration, parseInputJson, probeDaemon, type Target} from '../../engine/index.js'

export default class FlowsRun extends BreytaCommand {
  static override summary = 'Start a run of a flow'
  static override description = `Without a daemon the run executes in this process until it completes or parks (waiting/sleeping); with a daemon running it is handed to the daemon and this command returns at once. --wait keeps going until the run ends: sleeps are slept out and waits are waited on (complete them from another terminal with \`breyta waits …\`). With --wait, a failed or cancelled run exits 5.`
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
    const ws = await this.workspace()
    const inputText = flags['input-file'] === undefined ? flags.input : fs.readFileSync(flags['input-file'] === '-' ? 0 : flags['input-file'], 'utf8')
    const input = inputText === undefined ? undefined : parseInputJson(inputText, flags['input-file'] ? `--input-file ${flags['input-file']}` : '--input')
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout)
    let view = await createRun(ws, {slug: args.slug, input, target: (flags.target as Target | undefined) ?? 'draft', version: flags.version, trigger: 'cli'})
    // Handed over only when the daemon acknowledges it; a dead daemon never strands a run.
    const daemon = flags.wait ? await probeDaemon(ws) : await handToDaemon(ws, view.id)
    if (!daemon || flags.wait) {
      // A queued run (concurrency policy) is polled until it gets its slot, then executed here.
      const progress = new RunProgress(!this.jsonEnabled())
      if (view.status === 'queued') this.note(paint.dim('Queued behind an active run of this flow (concurrency policy); it starts when a slot frees.'))
      progress.start(view.status === 'queued' ? 'queued' : daemon ? 'running in the daemon' : 'starting')
      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      try {
        view = await driveRun(ws, view.id, {wait: flags.wait, waitForAdmission: !daemon, timeoutMs, signal: controller.signal, env: process.env, onEvent: progress.onEvent, ...(daemon ? {pollMs: 50, awaitChange: (id, seq, ms, signal) => awaitRunChange(ws, daemon, id, seq, ms, signal)} : {})})
      } finally {
        progress.stop()
        process.off('SIGINT', onSigint)
      }
    } else if (view.status === 'queued') {
      this.note(paint.dim('Queued behind an active run of this flow (concurrency policy); the daemon starts it when a slot frees.'))
    } else {
      this.note(paint.dim(`Handed to the daemon at ${daemon!.url}.`))
    }
    this.say(runText(view))
    return runOutcome(view, Boolean(flags.wait))
  }
}
