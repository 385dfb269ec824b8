import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {approvalLines} from '../../cli/format/approval.js'
import {paint} from '../../cli/format/style.js'
import {BreytaError, runView} from '../../engine/index.js'

export default class WaitsShow extends BreytaCommand {
  static override summary = 'Show one wait: for an approval, its prompt as text and the context the flow shows with it'
  static override args = {
    run: Args.string({description: 'Run id', required: true}),
    key: Args.string({description: 'Wait key', required: true}),
  }
  static override examples = ['<%= config.bin %> waits show 01JABC… approve-reply', '<%= config.bin %> waits show 01JABC… approve-reply --json']

  async run() {
    const {args} = await this.parse(WaitsShow)
    const ws = await this.workspace()
    const view = await runView(ws, args.run)
    const wait = view.waits.find((w) => w.key === args.key)
    if (wait === undefined) {
      const keys = view.waits.map((w) => w.key)
      throw new BreytaError('wait_not_found', `run ${view.id} has no wait "${args.key}"`, {
        hint: keys.length === 0 ? 'This run has opened no waits yet.' : `Its waits: ${keys.join(', ')}.`,
      })
    }
    const out = {run: view.id, flow: view.flow, ...wait, 'callback-url': wait.status === 'open' ? (await ws.callbacks()).callbackUrl(view.id, wait.key) : null}
    const width = Math.max(40, Math.min(process.stdout.columns || 80, 100))
    this.say(
      paint.bold(`${view.flow} · ${view.id} · ${wait.key}`) + paint.dim(` (${wait.status}${wait['timeout-at'] ? `, times out ${wait['timeout-at']}` : ''})`),
    )
    if (wait.approval) {
      this.say('')
      this.say(approvalLines(wait.approval, width, {depth: Number.POSITIVE_INFINITY}).join('\n'))
      if (wait.status === 'open')
        this.say('\n' + paint.dim(`breyta waits approve ${view.id} ${wait.key} [--comment T] | breyta waits reject ${view.id} ${wait.key} --comment T`))
    } else if (wait.status === 'open')
      this.say(paint.dim(`completes when something POSTs to ${out['callback-url']} (or: breyta waits complete ${view.id} ${wait.key} --payload JSON)`))
    if (wait.status !== 'open') this.say(paint.dim(`completed ${wait['completed-at'] ?? ''}${wait['completed-by'] ? ` by ${wait['completed-by']}` : ''}`))
    return out
  }
}
