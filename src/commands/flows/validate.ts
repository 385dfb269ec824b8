import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {BreytaError, validateFlow, type Workspace} from '../../engine/index.js'

export default class FlowsValidate extends BreytaCommand {
  static override summary = 'Check a flow and report every problem at once, with line and column'
  static override args = {slug: Args.string({description: 'Draft flow slug'})}
  static override flags = {file: Flags.string({description: 'Validate a file instead of a draft (works outside a workspace)'})}
  static override examples = ['<%= config.bin %> flows validate hello', '<%= config.bin %> flows validate --file ./review.edn --json']

  async run() {
    const {args, flags} = await this.parse(FlowsValidate)
    if (!args.slug && !flags.file) throw new BreytaError('invalid_input', 'name a draft slug or pass --file FILE', {hint: 'breyta flows validate SLUG | --file FILE'})
    let ws: Workspace | undefined
    try {
      ws = await this.workspace()
    } catch (err) {
      if (!flags.file) throw err
    }
    const report = await validateFlow(ws, {slug: args.slug, file: flags.file})
    if (!report.valid) {
      throw new BreytaError('invalid_flow', `${report.file}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}: ${report.problems[0]!.message}${report.problems[0]!.line ? ` at ${report.problems[0]!.line}:${report.problems[0]!.column}` : ''}`, {
        hint: 'Fix each problem listed (line:column), then validate again.',
        details: {problems: report.problems, file: report.file, warnings: report.warnings},
      })
    }
    this.say(`${paint.green('✓')} ${report.slug} is valid (${report.steps} step call${report.steps === 1 ? '' : 's'})`)
    for (const w of report.warnings) this.note(`${paint.yellow('warning')} ${w.line === undefined ? '' : `${w.line}:${w.column ?? 1} `}${w.path ? w.path + ': ' : ''}${w.message}`)
    return report
  }
}
