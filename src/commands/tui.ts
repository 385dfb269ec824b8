import {Flags} from '@oclif/core'
import {BreytaCommand} from '../cli/base-command.js'
import {osUser, runTuiSession} from '../cli/tui-session.js'
import {BreytaError} from '../engine/index.js'

// bin/run.js starts `breyta tui` through src/cli/tui-main.ts, which hands everything but the
// plain interactive case (--help, --json, a flag it does not know, no TTY) to this command.
export default class Tui extends BreytaCommand {
  static override summary = 'Watch runs live and approve, reject or cancel them in the terminal'
  static override description =
    "A run list (waiting approvals first) and a run view with each step's input, output and error, updated as the daemon or other CLIs change the workspace. Works without a daemon: a decision made here continues the run in this process. Press ? for keys."
  static override flags = {
    by: Flags.string({description: 'Name recorded on approvals and rejections (default: the OS user)'}),
  }
  static override examples = ['<%= config.bin %> tui', '<%= config.bin %> tui --by alice --workspace ../project']

  async run() {
    const {flags} = await this.parse(Tui)
    if (this.jsonEnabled()) {
      throw new BreytaError('invalid_input', 'breyta tui is interactive and has no --json output', {
        hint: 'Use `breyta runs list --json` or `breyta waits list --json`.',
      })
    }
    if (!process.stdin.isTTY) {
      throw new BreytaError('invalid_input', 'breyta tui needs an interactive terminal, but stdin is not a TTY', {
        hint: 'For scripts use `breyta runs list --json` or `breyta runs watch RUN`.',
      })
    }
    const by = flags.by ?? osUser()
    await runTuiSession(await this.workspace(), by, (text) => this.note(text))
    return {by}
  }
}
