import {readFile} from 'node:fs/promises'
import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {runText} from '../../cli/format/run.js'
import {BreytaError, importRun, parseRunExport} from '../../engine/index.js'

export default class RunsImport extends BreytaCommand {
  static override summary = 'Add a run written by `runs export` to this workspace (or its team store)'
  static override description =
    'The run keeps its id, journal, pinned definition and resources, and continues where it stood: a parked run stays parked (a daemon serves its timers and callbacks at once), a run that was running is resumed by the daemon or by `breyta runs resume`. A run id that already exists is refused; nothing is overwritten. FILE "-" reads stdin.'
  static override args = {file: Args.string({description: 'Export document (JSON), or - for stdin', required: true})}
  static override examples = ['<%= config.bin %> runs import run.json', 'breyta runs export 01JABC… | <%= config.bin %> --workspace ../team runs import -']

  async run() {
    const {args} = await this.parse(RunsImport)
    const ws = await this.workspace()
    const text = await readInput(args.file)
    const doc = await parseRunExport(text, args.file === '-' ? 'stdin' : args.file)
    const view = await this.shownRun(ws, await importRun(ws, doc))
    this.say(runText(view, {next: this.nextCommands}))
    return view
  }
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new BreytaError('invalid_input', `cannot read ${file}: ${code ?? (err as Error).message}`, {
      hint: 'Pass the path of a file written by `breyta runs export RUN --out FILE`.',
    })
  }
}
