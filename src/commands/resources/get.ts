import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {readResource} from '../../engine/index.js'

export default class ResourcesGet extends BreytaCommand {
  static override summary = 'Write the bytes of a res:// resource to a file or stdout'
  static override description =
    'With --out FILE the bytes go to FILE; without it they go to stdout, unchanged (binary safe). With --json nothing but the envelope is printed: {uri size content-type path}, where path is FILE with --out, else where the resource is stored.'
  static override args = {uri: Args.string({description: 'Resource URI, res://<run-id>/<name>', required: true})}
  static override flags = {out: Flags.string({char: 'o', description: 'Write the bytes to this file'})}
  static override examples = [
    '<%= config.bin %> resources get res://01JABC…/build.stdout --out build.log',
    '<%= config.bin %> resources get res://01JABC…/report > report.txt',
  ]

  async run() {
    const {args, flags} = await this.parse(ResourcesGet)
    const r = await readResource(await this.workspace(), args.uri)
    let where = r.path
    if (flags.out !== undefined) {
      where = path.resolve(flags.out)
      await writeFile(where, r.data)
      this.note(`Wrote ${r.size} bytes (${r['content-type']}) to ${where}`)
    } else if (!this.jsonEnabled()) {
      // Raw bytes, no newline added; wait for the write so a large resource is not cut off at exit.
      await new Promise<void>((resolve, reject) => process.stdout.write(r.data, (e) => (e ? reject(e) : resolve())))
    }
    return {uri: r.uri, size: r.size, 'content-type': r['content-type'], path: where}
  }
}
