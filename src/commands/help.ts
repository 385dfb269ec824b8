/**
 * `breyta help [COMMAND...]`: oclif's help text for people; under --json (SPEC §6: every outcome
 * is the envelope) the commands, or one command's arguments and flags, as data, so an agent finds
 * its way without reading help text. It was @oclif/plugin-help's command, which knew no --json.
 */
import {Args, Flags, loadHelpClass, type Command} from '@oclif/core'
import {BreytaError, closest} from '../engine/index.js'
import {BreytaCommand} from '../cli/base-command.js'

const spaced = (id: string) => id.replaceAll(':', ' ')

export default class Help extends BreytaCommand {
  static override summary = 'Display help for breyta'
  static override description = 'With --json: {commands:[{id summary}]}, or for one command {id summary description usage args flags}.'
  static override examples = ['breyta help', 'breyta help flows run', 'breyta help runs show --json']
  static override args = {
    command: Args.string({description: 'The command to show help for, in words (e.g. flows run)', required: false}),
  }
  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', description: 'Include all nested commands in the output'}),
  }
  static override strict = false

  async run(): Promise<object> {
    const {argv, flags} = await this.parse(Help)
    const words = (argv as string[]).filter((w) => !w.startsWith('-'))
    if (!this.jsonEnabled()) {
      const HelpClass = await loadHelpClass(this.config)
      await new HelpClass(this.config, {all: flags['nested-commands']}).showHelp(argv as string[])
      return {}
    }
    const visible = this.config.commands.filter((c) => !c.hidden)
    if (words.length === 0) return {commands: visible.map((c) => ({id: spaced(c.id), summary: summaryOf(c)})).sort((a, b) => (a.id < b.id ? -1 : 1))}
    const command = this.config.findCommand(words.join(':'))
    if (!command || command.hidden) {
      const typed = words.join(' ')
      // Topics too: `help flws` means `flows`, far from every `flows …` id.
      const ids = visible.map((c) => spaced(c.id))
      const suggestions = closest(typed, [...new Set([...ids, ...ids.map((id) => id.split(' ')[0]!)])])
      throw new BreytaError('unknown_command', `unknown command "${typed}"`, {
        hint: 'See `breyta help --json` for the commands.',
        details: {command: typed, suggestions: suggestions.map((s) => `breyta ${s}`)},
      })
    }
    return described(command)
  }
}

function summaryOf(c: Command.Loadable): string {
  return c.summary ?? (c.description ?? '').split('\n')[0] ?? ''
}

/** One command as data: what `breyta help ID` prints, with kebab-case keys (SPEC §6). */
function described(c: Command.Loadable): object {
  return {
    id: spaced(c.id),
    summary: summaryOf(c),
    description: c.description ?? null,
    usage: `breyta ${spaced(c.id)}${Object.keys(c.args)
      .map((a) => ` ${a.toUpperCase()}`)
      .join('')}`,
    args: Object.values(c.args).map((a) => ({name: a.name, description: a.description ?? null, required: a.required === true})),
    flags: Object.values(c.flags)
      .filter((f) => !f.hidden)
      .map((f) => ({
        name: f.name,
        char: f.char ?? null,
        description: f.summary ?? f.description ?? null,
        type: f.type,
        required: f.required === true,
        ...(f.type === 'option' ? {options: f.options ?? null, multiple: f.multiple === true} : {}),
      })),
    examples: (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command).replaceAll('<%= config.bin %>', 'breyta')),
  }
}
