import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {diffFlow, parseDiffSide} from '../../engine/index.js'

export default class FlowsDiff extends BreytaCommand {
  static override summary = 'Show what changed between two definitions of a flow (default: live → draft)'
  static override description = 'A unified diff of the EDN text. --from and --to take draft, live or a version number. With --json: {from, to, changed, hunks: [{old-start old-lines new-start new-lines lines}], unified}.'
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {
    from: Flags.string({description: 'draft, live or a version number (default live)'}),
    to: Flags.string({description: 'draft, live or a version number (default draft)'}),
  }
  static override examples = ['<%= config.bin %> flows diff pr-review', '<%= config.bin %> flows diff pr-review --from 1 --to 2', '<%= config.bin %> flows diff pr-review --from live --to draft --json']

  async run() {
    const {args, flags} = await this.parse(FlowsDiff)
    const d = await diffFlow(await this.workspace(), args.slug, {from: await parseDiffSide(flags.from, 'live'), to: await parseDiffSide(flags.to, 'draft')})
    if (!d.changed) this.say(`No differences between ${side(d.from)} and ${side(d.to)}.`)
    else this.say(colorize(d.unified))
    return d
  }
}

function side(e: {target: string; version: number | null}): string {
  return e.version === null ? e.target : `v${e.version}`
}

function colorize(unified: string): string {
  return unified
    .split('\n')
    .map((l) => (l.startsWith('+++') || l.startsWith('---') ? paint.bold(l) : l.startsWith('@@') ? paint.cyan(l) : l.startsWith('+') ? paint.green(l) : l.startsWith('-') ? paint.red(l) : l))
    .join('\n')
}
