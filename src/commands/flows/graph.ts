import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {graphFormatFlag, targetFlag, versionFlag} from '../../cli/flags.js'
import {BreytaError, flowGraph, type GraphFormat, type Target, type Workspace} from '../../engine/index.js'

export default class FlowsGraph extends BreytaCommand {
  static override summary = "Draw a flow's steps, branches, fan-outs and waits (from the EDN, nothing runs)"
  static override description = 'Paste the Mermaid output in a pull request inside a ```mermaid block and the code host renders it.'
  static override args = {slug: Args.string({description: 'Flow slug'})}
  static override flags = {
    format: graphFormatFlag,
    target: targetFlag,
    version: versionFlag,
    file: Flags.string({description: 'Draw a flow file instead of a draft (works outside a workspace)', exclusive: ['target', 'version']}),
  }
  static override examples = ['<%= config.bin %> flows graph agent-pr', '<%= config.bin %> flows graph agent-pr --format text', '<%= config.bin %> flows graph --file flows/hello.edn --format dot --json']

  async run() {
    const {args, flags} = await this.parse(FlowsGraph)
    if (!args.slug && !flags.file) throw new BreytaError('invalid_input', 'name a flow slug or pass --file FILE', {hint: 'breyta flows graph SLUG | --file FILE'})
    let ws: Workspace | undefined
    try {
      ws = await this.workspace()
    } catch (err) {
      if (!flags.file) throw err
    }
    const result = await flowGraph(ws, args.slug, {format: flags.format as GraphFormat, target: flags.target as Target | undefined, version: flags.version, file: flags.file})
    this.say(result.graph)
    return result
  }
}
