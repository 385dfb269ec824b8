import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {serialize} from '../../cli/envelope.js'
import {eventLine, outputLine} from '../../cli/format/run.js'
import {watchRun} from '../../cli/watch.js'
import {plainEvent, runEvents, RunOutputCursor, type JournalEvent, type OutputItem} from '../../engine/index.js'

export default class RunsLogs extends BreytaCommand {
  static override summary = "Print a run's journal and its steps' live output: steps, attempts, waits, log lines, program output"
  static override description =
    'Journal events interleave with the stdout and stderr lines of `:exec` and `:ssh` steps (prefixed `STEP stdout│`), which are kept as they arrive, the newest config.edn :limits :step-log-bytes per step. With --follow it keeps printing both until the run ends; with --follow --json it prints one JSON object per line as things happen (journal events, and `{"type":"output","step","seq","attempt","stream","line","at"}` / `{"type":"output_dropped","step","lines","at"}` items) instead of one envelope at the end.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing new events and output until the run ends (without a daemon, fires its due timers as `runs watch` does)',
    }),
    step: Flags.string({description: "Only this step's events and output (a step id as journaled, e.g. build or review[2])"}),
  }
  static override examples = [
    '<%= config.bin %> runs logs 01JABC…',
    '<%= config.bin %> runs logs 01JABC… --follow',
    '<%= config.bin %> runs logs 01JABC… --step build --follow --json',
  ]

  /** --follow --json: the lines already went out one by one; no envelope after them. */
  private streamed = false

  async run() {
    const {args, flags} = await this.parse(RunsLogs)
    const ws = await this.workspace()
    const items: Record<string, unknown>[] = []
    const wanted = (e: JournalEvent) => flags.step === undefined || !('step' in e) || e.step === flags.step
    const onEvent = (e: JournalEvent) => {
      if (!wanted(e)) return
      if (this.streamed) return this.line(plainEvent(e))
      items.push(plainEvent(e))
      this.say(eventLine(e))
    }
    const onOutput = (o: OutputItem) => {
      if (this.streamed) return this.line(o)
      items.push(o)
      this.say(outputLine(o))
    }
    if (flags.follow) {
      this.streamed = this.jsonEnabled()
      await watchRun(ws, args.run, onEvent, {onOutput, step: flags.step})
    } else {
      const events = await runEvents(ws, args.run)
      const output = new RunOutputCursor(ws, args.run, flags.step).read()
      let i = 0
      for (const e of events) {
        for (; i < output.length && output[i]!.at <= e.at; i++) onOutput(output[i]!)
        onEvent(e)
      }
      for (; i < output.length; i++) onOutput(output[i]!)
    }
    return {items, next: null}
  }

  private line(item: object): void {
    process.stdout.write(serialize(this.redactor().unknown(item), false))
  }

  protected override logJson(json: unknown): void {
    if (this.streamed && (json as {ok?: boolean}).ok === true) return
    super.logJson(json)
  }
}
