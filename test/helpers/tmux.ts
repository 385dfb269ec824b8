/**
 * A real terminal for TUI end-to-end tests: the built CLI (bin/run.js) inside a tmux server of
 * the test's own (a socket per test file and process, so files running side by side, or in
 * another checkout, never share a server), read back with capture-pane.
 */
import {execFile, execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const CLI = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'run.js')

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** Run the built CLI to the end (asynchronously: a sync call would block the test's servers). */
export function breyta(cwd: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {cwd, env: {...process.env, NO_COLOR: '1'}, timeout: 60_000}, (err, stdout, stderr) => {
      resolve({code: err ? Number((err as {code?: unknown}).code ?? 1) || 1 : 0, stdout, stderr})
    })
  })
}

export interface Terminal {
  tmux(...args: string[]): string
  /** The visible pane of `session`, as text. */
  screen(): string
  /** Poll the screen (or anything) until `check` holds; the failure shows the screen. */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>
  /** Kill the server and remove the socket file tmux leaves behind. */
  close(): void
}

export function terminal(name: string, session: string, defaultTimeoutMs = 20_000): Terminal {
  const socket = `breyta-${name}-${process.pid}`
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'})
  const screen = () => tmux('capture-pane', '-p', '-t', session)
  return {
    tmux,
    screen,
    async until(what, check, timeoutMs = defaultTimeoutMs) {
      const end = Date.now() + timeoutMs
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    close() {
      try {
        tmux('kill-server')
      } catch {
        // already gone
      }
      fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), {force: true})
    },
  }
}
