import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {releaseFlow} from '../../engine/index.js'

export default class FlowsRelease extends BreytaCommand {
  static override summary = 'Release the draft as a new immutable version (and make it live)'
  static override description = `Validates the draft, copies it byte for byte to .breyta/releases/SLUG/vN.edn and records it in release.edn (sha256, note, time). Unless --no-promote, the new version becomes live: runs with --target live (and triggers) use it from now on, while runs already started keep the version they started on. Releasing a draft identical to the newest version creates nothing and says so ("released": false). With :on-new-version :supersede, live runs on other versions are cancelled.`
  static override args = {slug: Args.string({description: 'Flow slug', required: true})}
  static override flags = {
    note: Flags.string({description: 'A note stored with the version (what changed, why)'}),
    promote: Flags.boolean({description: 'Make the new version live (default); --no-promote only records it', default: true, allowNo: true}),
  }
  static override examples = [
    '<%= config.bin %> flows release pr-review --note "ask for approval before deploy"',
    '<%= config.bin %> flows release pr-review --no-promote --json',
  ]

  async run() {
    const {args, flags} = await this.parse(FlowsRelease)
    const r = await releaseFlow(await this.workspace(), args.slug, {note: flags.note, promote: flags.promote})
    if (!r.released) {
      this.say(`${r.slug}: the draft is unchanged since v${r.version}; nothing released.${r.live === r.version ? '' : paint.dim(` (live is ${r.live === null ? 'none' : 'v' + r.live}; \`breyta flows promote ${r.slug} --version ${r.version}\` makes it live)`)}`)
    } else {
      this.say(`${paint.green('Released')} ${r.slug} v${r.version} ${paint.dim(r.sha256.slice(0, 12))}${r.promoted ? ' — now live' : paint.dim(` (not promoted; live is ${r.live === null ? 'none' : 'v' + r.live})`)}`)
      if (r.superseded.length > 0) this.say(paint.dim(`Superseded (cancelled): ${r.superseded.join(', ')}`))
    }
    return r
  }
}
