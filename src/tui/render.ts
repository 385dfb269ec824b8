/**
 * The only place that calls Ink's render(). `breyta tui` imports this module lazily, inside
 * run(), because loading Ink costs ~0.5 s and would otherwise slow every CLI command.
 *
 * The .tsx files start with `@jsxRuntime automatic` pragmas: in oclif's dev mode tsx takes
 * tsconfig from the cwd (a user's project), and would otherwise compile JSX to React.createElement.
 */
import {createElement} from 'react'
import {render} from 'ink'
import {App} from './App.js'
import type {TuiSource} from './types.js'

export interface RunTuiOptions {
  /** Who decisions are recorded as made by; the command passes the OS user or `--by`. */
  by: string
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  /** Switch to the terminal's alternate screen, so quitting restores what was there. */
  alternateScreen?: boolean
}

/** Thrown (as data, with a code like every breyta error) when there is no terminal to drive. */
export function notATerminalError(): Error & {code: string; hint: string} {
  return Object.assign(new Error('breyta tui needs an interactive terminal, but stdin is not a TTY'), {
    code: 'invalid_input',
    hint: 'run it in a terminal; for scripts use `breyta runs list --json` or `breyta runs watch RUN`',
  })
}

/** Start the TUI; resolves when the user quits. */
export async function runTui(source: TuiSource, options: RunTuiOptions): Promise<void> {
  const stdin = options.stdin ?? process.stdin
  const stdout = options.stdout ?? process.stdout
  // Ink's useInput needs raw mode, which only a TTY has; without this check the user would
  // get Ink's "Raw mode is not supported" stack instead of an explanation.
  if (!stdin.isTTY) throw notATerminalError()
  const alternate = (options.alternateScreen ?? true) && stdout.isTTY === true
  if (alternate) stdout.write('\u001B[?1049h\u001B[H')
  try {
    const instance = render(createElement(App, {source, by: options.by}), {stdin, stdout, exitOnCtrlC: true})
    await instance.waitUntilExit()
  } finally {
    if (alternate) stdout.write('\u001B[?1049l')
  }
}
