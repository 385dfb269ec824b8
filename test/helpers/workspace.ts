/** A throwaway workspace on disk, and the built CLI driven as a subprocess (as an agent would). */
import {execFile, spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {initWorkspace, openWorkspace, type Workspace} from '../../src/engine/index.js'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = path.join(REPO_ROOT, 'bin', 'run.js')

export interface TempWorkspace {
  root: string
  ws: Workspace
  /** Write a draft flow (`.breyta/flows/<slug>.edn`). */
  writeFlow(slug: string, text: string): void
  cleanup(): void
}

export async function tempWorkspace(prefix = 'breyta-test-'): Promise<TempWorkspace> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  initWorkspace(root)
  const ws = await openWorkspace({explicit: root, from: root})
  return {
    root,
    ws,
    writeFlow(slug, text) {
      fs.writeFileSync(path.join(root, '.breyta', 'flows', `${slug}.edn`), text)
    },
    cleanup() {
      fs.rmSync(root, {recursive: true, force: true})
    },
  }
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as the one JSON document, when --json was passed. */
  json: {ok: boolean; data?: any; error?: {code: string; message: string; hint: string | null; details: any}}
}

/** Run `bin/run.js ARGS` in `cwd` (async: never block the event loop of in-process servers). */
export function cli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {cwd: options.cwd, env: {...process.env, NO_COLOR: '1', ...options.env}, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024},
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as {code?: unknown}).code === 'number' ? (err as {code: number}).code : 1) : 0
        let json: CliResult['json'] = {ok: false}
        if (args.includes('--json')) {
          try {
            json = JSON.parse(stdout)
          } catch {
            return reject(new Error(`not one JSON document on stdout (exit ${code}):\n${stdout}\nstderr:\n${stderr}`))
          }
        }
        resolve({code, stdout, stderr, json})
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
    else child.stdin?.end()
  })
}

/** Start `bin/run.js ARGS` and return the child (for kill -9 tests). */
export function spawnCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}) {
  return spawn(process.execPath, [BIN, ...args], {cwd: options.cwd, env: {...process.env, NO_COLOR: '1', ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Poll until `check` returns a truthy value or the timeout passes. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`)
    await sleep(stepMs)
  }
}
