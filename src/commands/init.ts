import {BreytaCommand} from '../cli/base-command.js'
import {initWorkspace} from '../engine/index.js'

export default class Init extends BreytaCommand {
  static override summary = 'Create a .breyta/ workspace in the current directory'
  static override description =
    'Creates .breyta/ with config.edn, flows/, releases/, connections.edn and a .gitignore that keeps run state and secrets out of git. Safe to run again: it only adds what is missing.'
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --json']

  async run() {
    await this.parse(Init)
    const root = this.workspaceFlag ?? process.env.BREYTA_WORKSPACE ?? process.cwd()
    const result = initWorkspace(root)
    this.say(
      result['already-initialized']
        ? `Workspace already initialized at ${result.dir}${result.created.length ? ` (added ${result.created.length} missing file(s))` : ''}`
        : `Initialized breyta workspace in ${result.dir}\nNext: breyta flows new hello && breyta flows run hello --wait`,
    )
    return result
  }
}
