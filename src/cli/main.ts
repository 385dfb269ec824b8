/**
 * The CLI's entry (bin/run.js): oclif's execute and settings, and each command's class (the
 * generated files under dist/bundle/commands ask `command(id)`). All of it is one CommonJS
 * bundle, dist/bundle/chunks/cli.cjs (scripts/bundle.mjs), run through V8's code cache.
 */
import type {Command, execute as oclifExecute, settings as oclifSettings} from '@oclif/core'
import {fileURLToPath} from 'node:url'
import {requireCompiled} from './compile-cache.js'

interface CliBundle {
  execute: typeof oclifExecute
  settings: typeof oclifSettings
  /** Command id as its file path under src/commands (`flows/run`) → its module, loaded on first call. */
  commands: Record<string, () => {default: Command.Class}>
}

const cli = requireCompiled<CliBundle>(fileURLToPath(new URL('../chunks/cli.cjs', import.meta.url)))

export const {execute, settings} = cli

/** The command class of `id` (`flows/run`). */
export function command(id: string): Command.Class {
  const load = cli.commands[id]
  if (load === undefined) throw new Error(`no command ${id} in the CLI bundle`)
  return load().default
}
