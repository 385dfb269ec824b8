import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {promptLines} from '../../cli/format/approval.js'
import {age, table} from '../../cli/format/table.js'
import {listOpenWaits} from '../../engine/index.js'

export default class WaitsList extends BreytaCommand {
  static override summary = 'List open waits and approvals'
  static override flags = {run: Flags.string({description: 'Only waits of this run'})}
  static override examples = ['<%= config.bin %> waits list', '<%= config.bin %> waits list --run 01JABC… --json']

  async run() {
    const {flags} = await this.parse(WaitsList)
    const items = await listOpenWaits(await this.workspace(), {runId: flags.run})
    if (items.length === 0) this.say('No open waits.')
    else {
      this.say(
        table(
          ['run', 'flow', 'key', 'kind', 'opened', 'times out'],
          items.map((w) => [
            w.run,
            w.flow,
            w.key,
            w.approval ? paint.yellow(`approval: ${firstLine(w.approval.prompt)}`) : 'callback',
            age(w['opened-at']),
            w['timeout-at'] ?? '-',
          ]),
        ),
      )
      if (items.some((w) => w.approval)) this.say(paint.dim('Read an approval in full (prompt and context): breyta waits show RUN KEY'))
    }
    return {items, next: null}
  }
}

/** A table row holds one line: the prompt's first line of text, Markdown-ish markup shown plainly. */
function firstLine(prompt: string): string {
  const lines = promptLines(prompt, Number.MAX_SAFE_INTEGER).filter((l) => l.trim() !== '')
  return (lines[0] ?? '') + (lines.length > 1 ? ' …' : '')
}
