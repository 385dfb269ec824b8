import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {graphFormatFlag} from '../../cli/flags.js'
import {runText} from '../../cli/format/run.js'
import {runEvents, runView, runGraph, type GraphFormat} from '../../engine/index.js'

export default class RunsShow extends BreytaCommand {
  static override summary = 'Show a run: status, input, output, error, steps and waits'
  static override description =
    "Besides the journal's view, says what the status alone does not: stale (marked running, but its process is gone), overdue (a sleep or wait timeout fell due and no daemon runs) and, for a queued run, blocked-by (the runs in its way). With --json, meta.next-commands lists the commands that move the run on."
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {
    steps: Flags.boolean({description: "Include each step's input and output (always included with --json)"}),
    graph: Flags.boolean({description: "Draw the run's flow with each step coloured by its state (see `flows graph`)"}),
    format: graphFormatFlag,
  }
  static override examples = [
    '<%= config.bin %> runs show 01JABC…',
    '<%= config.bin %> runs show 01JABC… --steps',
    '<%= config.bin %> runs show 01JABC… --graph',
    '<%= config.bin %> runs show 01JABC… --json',
  ]

  async run() {
    const {args, flags} = await this.parse(RunsShow)
    const ws = await this.workspace()
    const view = await this.shownRun(ws, await runView(ws, args.run))
    const callbacks = await ws.callbacks()
    const waits = view.waits.map((w) => ({...w, 'callback-url': w.status === 'open' ? callbacks.callbackUrl(view.id, w.key) : null}))
    // status-url: GET it from the daemon (SPEC §7 `GET /runs/RUN`); its token is per run.
    const out = {...view, waits, 'status-url': callbacks.runStatusUrl(view.id)}
    if (flags.graph) {
      const graph = await runGraph(ws, view.id, flags.format as GraphFormat)
      this.say(graph.graph)
      return {...out, graph}
    }
    const cancelled = view.status === 'cancelled' ? (await runEvents(ws, view.id)).findLast((e) => e.type === 'run_cancelled') : undefined
    this.say(runText(out, {steps: flags.steps, next: this.nextCommands, cancelReason: cancelled?.type === 'run_cancelled' ? (cancelled.reason ?? null) : null}))
    return out
  }
}
