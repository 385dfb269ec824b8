/** One `breyta tui` session in an open workspace: shared by the oclif command and the TUI's own entry (tui-main.ts). */
import os from 'node:os'
import type {Workspace} from '../engine/index.js'

/** Who decisions are recorded as made by when `--by` is not given. */
export function osUser(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}

/** Runs the TUI until the user quits, then lets a run continued here park or end; `note` writes progress to stderr. */
export async function runTuiSession(ws: Workspace, by: string, note: (text: string) => void): Promise<void> {
  // Lazy: Ink and React take ~0.5 s to load; a top-level import would slow every command.
  // Ink renders only the final frame when it sees CI=true (is-in-ci, read once at import). A
  // person is at a real terminal here (the caller checked), so draw live frames whatever CI says.
  delete process.env.CI
  delete process.env.CONTINUOUS_INTEGRATION
  const [{runTui}, {EngineSource}] = await Promise.all([import('../tui/render.js'), import('../tui/engine-source.js')])
  const source = new EngineSource(ws, {env: process.env})
  await runTui(source, {by})
  if (source.pending.length > 0) {
    note(`continuing ${source.pending.join(', ')} until it parks or ends (ctrl-c leaves it for \`breyta runs resume\`)…`)
    await source.settle()
  }
}
