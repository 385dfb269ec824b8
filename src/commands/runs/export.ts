import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {exportRun} from '../../engine/index.js'

export default class RunsExport extends BreytaCommand {
  static override summary = 'Write a run (journal, pinned definition, resources) as one JSON document'
  static override description =
    'The document carries the run exactly as journaled, so `breyta runs import FILE` in another workspace, or into the team store, continues it where it stood. Without --out it goes to stdout. Export does not stop the run here: cancel it (or let it end) before another store continues it, or both will. With --json the envelope says {run flow status events resources bytes out}.'
  static override args = {run: Args.string({description: 'Run id', required: true})}
  static override flags = {out: Flags.string({char: 'o', description: 'Write the document to this file (default: stdout)'})}
  static override examples = ['<%= config.bin %> runs export 01JABC… --out run.json', '<%= config.bin %> runs export 01JABC… > run.json']

  async run() {
    const {args, flags} = await this.parse(RunsExport)
    const doc = await exportRun(await this.workspace(), args.run)
    const text = JSON.stringify(doc) + '\n'
    const out = flags.out === undefined ? null : path.resolve(flags.out)
    if (out !== null) {
      await writeFile(out, text)
      this.note(`Wrote run ${doc.run} (${doc.events.length} events, ${doc.resources.length} resources) to ${out}`)
    } else if (!this.jsonEnabled()) {
      // Wait for the write so a large document is not cut off at exit.
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())))
    }
    return {run: doc.run, flow: doc.flow, events: doc.events.length, resources: doc.resources.length, bytes: Buffer.byteLength(text), out}
  }
}
