import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {table} from '../../cli/format/table.js'
import {listConnections} from '../../engine/index.js'

export default class ConnectionsList extends BreytaCommand {
  static override summary = 'List the connections in .breyta/connections.edn, with the secrets each needs (names only)'
  static override description =
    'With --json: {items:[{name type target secrets:[{name source}]}], next}; source is env, file, or null when the secret is not set.'
  static override examples = ['<%= config.bin %> connections list', '<%= config.bin %> connections list --json']

  async run() {
    await this.parse(ConnectionsList)
    const page = await listConnections(await this.workspace(), process.env)
    if (page.items.length === 0) this.say('No connections. Define them in .breyta/connections.edn (docs/agents.md shows each type).')
    else {
      const secrets = (s: {name: string; source: string | null}[]) => s.map((x) => (x.source ? x.name : paint.red(`${x.name} (not set)`))).join(', ') || '-'
      this.say(
        table(
          ['name', 'type', 'target', 'secrets'],
          page.items.map((c) => [c.name, c.type, c.target ?? '-', secrets(c.secrets)]),
        ),
      )
    }
    return page
  }
}
