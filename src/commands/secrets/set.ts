import {Args, Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {setSecretValue} from '../../engine/index.js'

/** All of stdin; one trailing newline (from `echo` or a here-string) is not part of the value. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

export default class SecretsSet extends BreytaCommand {
  static override summary = 'Store a secret value in .breyta/secrets.edn (mode 0600, git-ignored)'
  static override description =
    'The value comes from --value or, without it, from stdin (so it stays out of shell history). It is never printed. An env variable BREYTA_SECRET_<NAME> (upper-cased, "-" as "_") takes precedence over the file.'
  static override args = {name: Args.string({description: 'Secret name, e.g. gh-token', required: true})}
  static override flags = {value: Flags.string({description: 'The value (prefer stdin: it keeps the value out of shell history)'})}
  static override examples = [
    'printf %s "$TOKEN" | <%= config.bin %> secrets set gh-token',
    '<%= config.bin %> secrets set vm-key < ~/.ssh/id_ed25519',
    '<%= config.bin %> secrets set vm-pass --value hunter2 --json',
  ]

  async run() {
    const {args, flags} = await this.parse(SecretsSet)
    const ws = await this.workspace()
    if (flags.value === undefined && process.stdin.isTTY) this.note('Enter the value, then press Ctrl-D:')
    const value = flags.value ?? (await readStdin())
    const result = await setSecretValue(ws, args.name, value, process.env)
    this.say(`Stored secret ${result.name}`)
    if (result['overridden-by-env']) this.note(`Note: ${result['env-var']} is set in this environment and takes precedence.`)
    return result
  }
}
