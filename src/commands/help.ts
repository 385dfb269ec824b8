/**
 * `breyta help`: @oclif/plugin-help's command, as one of ours. As a plugin it cost every command
 * a plugin load at start (its package.json and manifest read, its name matched; issue 18).
 */
import {commands} from '@oclif/plugin-help'

export default commands.help
