import os from 'node:os'
import {Flags} from '@oclif/core'
import {BreytaCommand} from '../cli/base-command.js'
import {BreytaError} from '../engine/index.js'

/** Who decisions are recorded as made by when `--by` is not given. */
function osUser(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}

export default class Tui extends BreytaCommand {
  static override summary = 'Watch runs live and approve, reject or cancel them in the terminal'
  static override description = 'A run list (waiting approvals first) and a run view with each step\'s input, output and error, updated as the daemon or other CLIs change the workspace. Works without a daemon: a decision made here continues the run in this process. Press ? for keys.'
  static override flags = {
    by: Flags.string({description: 'Name recorded on approvals and rejections (default: the OS user)'}),
  }
  static override examples = ['<%= config.bin %> tui', '<%= config.bin %> tui --by alice --workspace ../project']

  async run() {
    const {flags} = await this.parse(Tui)
    if (this.jsonEnabled()) {
      throw new BreytaError('invalid_input', 'breyta tui is interactive and has no --json output', {hint: 'Use `breyta runs list --json` or `breyta waits list --json`.'})
    }
    if (!process.stdin.isTTY) {
      throw new BreytaError('invalid_input', 'breyta tui needs an interactive terminal, but stdin is not a TTY', {hint: 'For scripts use `breyta runs list --json` or `breyta runs watch RUN`.'})
    }
    const ws = await this.workspace()
    const by = flags.by ?? osUser()
    // Lazy: Ink and React take ~0.5 s to load; a top-level import would slow every command.
    // Ink renders only the final frame when it sees CI=true (is-in-ci, read once at import). A
    // person is at a real terminal here (checked above), so draw live frames whatever CI says.
    delete process.env.CI
    delete process.env.CONTINUOUS_INTEGRATION
    const [{runTui}, {EngineSource}] = await Promise.all([import('../tui/render.js'), import('../tui/engine-source.js')])
    const source = new EngineSource(ws, {env: process.env})
    await runTui(source, {by})
    if (source.pending.length > 0) {
      this.note(`continuing ${source.pending.join(', ')} until it parks or ends (ctrl-c leaves it for \`breyta runs resume\`)…`)
      await source.settle()
    }
    return {by}
  }
}
