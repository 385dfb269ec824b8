/**
 * The CLI's entry (bin/run.js): oclif's execute and settings, and each command's class (the
 * generated files under dist/bundle/commands ask `command(id)`). All of it is one CommonJS
 * bundle, dist/bundle/chunks/cli.cjs (scripts/bundle.mjs), run through V8's code cache.
 */
import type {Command, execute as oclifExecute, settings as oclifSettings} from '@oclif/core'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {requireCompiled} from './compile-cache.js'

interface CliBundle {
  execute: typeof oclifExecute
  settings: typeof oclifSettings
  /** Command id as its file path under src/commands (`flows/run`) → its module, loaded on first call. */
  commands: Record<string, () => {default: Command.Class}>
}

/**
 * The command in `argv` as its file under commands/ names it (`flows-run`), `help` for any help,
 * '' for none (--version, a typo): the code cache is kept per command, as each runs other code.
 */
function commandOf(argv: string[]): string {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return 'help'
  const words: string[] = []
  for (const arg of argv.slice(0, 2)) {
    if (!/^[a-z][a-z0-9-]*$/.test(arg)) break
    words.push(arg)
  }
  for (let n = words.length; n > 0; n--) {
    if (fs.existsSync(new URL(`../commands/${words.slice(0, n).join('/')}.js`, import.meta.url))) return words.slice(0, n).join('-')
  }
  return ''
}

const cli = requireCompiled<CliBundle>(fileURLToPath(new URL('../chunks/cli.cjs', import.meta.url)), commandOf(process.argv.slice(2)))

export const {execute, settings} = cli

/** The command class of `id` (`flows/run`). */
export function command(id: string): Command.Class {
  const load = cli.commands[id]
  if (load === undefined) throw new Error(`no command ${id} in the CLI bundle`)
  return load().default
}
