/** How a failure reads for a person on stderr: shared by BreytaCommand and the TUI's own entry (tui-main.ts). */
import type {BreytaError} from '../engine/index.js'
import {paint} from './format/style.js'

/** `Error [code]: message`, each problem when there are several, the hint; the stack under DEBUG for internal errors. */
export function writeHumanError(error: BreytaError, cause: Error): void {
  process.stderr.write(`${paint.red('Error')} ${paint.dim(`[${error.code}]`)}: ${error.message}\n`)
  const problems = error.details?.problems
  if (Array.isArray(problems) && problems.length > 1) {
    for (const p of problems as {path?: string; message: string; line?: number; column?: number; file?: string}[]) {
      const where = p.line === undefined ? '' : `${p.file ? p.file + ':' : ''}${p.line}:${p.column ?? 1} `
      process.stderr.write(`  - ${where}${p.path ? p.path + ': ' : ''}${p.message}\n`)
    }
  }
  if (error.hint) process.stderr.write(`${paint.dim('Hint:')} ${error.hint}\n`)
  if (error.code === 'internal' && process.env.DEBUG) process.stderr.write(`${cause.stack ?? ''}\n`)
}
