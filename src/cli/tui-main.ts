/**
 * `breyta tui`'s own entry (bin/run.js starts it in a node with a small young generation): the
 * interactive case without oclif, whose load is ~13 MB of the TUI's resident set with 10,000
 * runs on disk (bench/tui-rss.mjs). Everything else (--help, --json, a flag or form it does not
 * know, no TTY) goes to the oclif command, src/commands/tui.ts, so help, messages and errors
 * stay exactly as they are. Arguments: those after `tui`.
 */
import {envRedactor, exitCodeFor, liveWorkspaceRedactor, openWorkspace, toBreytaError, type Redactor} from '../engine/index.js'
import {writeHumanError} from './error-text.js'
import {osUser, runTuiSession} from './tui-session.js'

interface TuiFlags {
  by?: string
  workspace?: string
}

/** `--by X`, `--by=X`, `--workspace X`, `--workspace=X`, each at most once; undefined for anything else. */
function parsePlain(args: string[]): TuiFlags | undefined {
  const flags: TuiFlags = {}
  for (let i = 0; i < args.length; i++) {
    const match = /^--(by|workspace)(?:=(.*))?$/s.exec(args[i]!)
    if (!match) return undefined
    const name = match[1] as keyof TuiFlags
    const value = match[2] ?? args[++i]
    if (value === undefined || value === '' || flags[name] !== undefined) return undefined
    if (match[2] === undefined && value.startsWith('-')) return undefined
    flags[name] = value
  }
  return flags
}

async function viaOclif(args: string[]): Promise<void> {
  const {execute, settings} = await import('./main.js')
  settings.enableAutoTranspile = false
  await execute({args: ['tui', ...args], dir: import.meta.url})
}

async function main(args: string[]): Promise<void> {
  const flags = parsePlain(args)
  if (flags === undefined || !process.stdin.isTTY) return viaOclif(args)
  // Until the workspace is open only env secrets are known; then its live redactor (built once).
  let redactor = (): Redactor => envRedactor(process.env)
  try {
    const ws = await openWorkspace({explicit: flags.workspace, env: process.env.BREYTA_WORKSPACE, from: process.cwd()})
    redactor = liveWorkspaceRedactor(ws.local, process.env)
    try {
      await runTuiSession(ws, flags.by ?? osUser(), (text) => process.stderr.write(redactor().string(text.endsWith('\n') ? text : text + '\n')))
    } finally {
      // A PostgreSQL store's pool and listener would keep the process alive after the app quits.
      await ws.closeStore().catch(() => {})
    }
  } catch (err) {
    const error = redactor().error(toBreytaError(err))
    process.exitCode = exitCodeFor(error.code)
    writeHumanError(error, err as Error)
  }
}

await main(process.argv.slice(2))
