import {Args} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {showConnection} from '../../engine/index.js'

export default class ConnectionsShow extends BreytaCommand {
  static override summary = 'Show one connection as defined (auth values are secret names, never values)'
  static override description = 'With --json: {name type target secrets:[{name source}] config}. An unknown name exits 3 (resource_not_found).'
  static override args = {name: Args.string({description: 'Connection name', required: true})}
  static override examples = ['<%= config.bin %> connections show gh', '<%= config.bin %> connections show vm --json']

  async run() {
    const {args} = await this.parse(ConnectionsShow)
    const c = await showConnection(await this.workspace(), args.name, process.env)
    this.say(`${c.name} (${c.type})${c.target ? ` → ${c.target}` : ''}\n${JSON.stringify(c.config, null, 2)}`)
    for (const s of c.secrets) this.say(`secret ${s.name}: ${s.source === null ? 'not set (`breyta secrets set ' + s.name + '`)' : `set (${s.source})`}`)
    return c
  }
}
