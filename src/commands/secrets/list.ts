import {BreytaCommand} from '../../cli/base-command.js'
import {table} from '../../cli/format/table.js'
import {listSecrets} from '../../engine/index.js'

export default class SecretsList extends BreytaCommand {
  static override summary = 'List secret names and where each comes from (never values)'
  static override description =
    'Secrets from .breyta/secrets.edn (source "file") and from BREYTA_SECRET_<NAME> env variables (source "env", which wins). With --json: {items:[{name source}], next}.'
  static override examples = ['<%= config.bin %> secrets list', '<%= config.bin %> secrets list --json']

  async run() {
    await this.parse(SecretsList)
    const page = await listSecrets(await this.workspace(), process.env)
    if (page.items.length === 0) this.say('No secrets. Add one with `breyta secrets set NAME`.')
    else
      this.say(
        table(
          ['name', 'source'],
          page.items.map((s) => [s.name, s.source]),
        ),
      )
    return page
  }
}
