/** Controlling a daemon from another process: start one in the background, wait for it to be up, stop it, report on it. */
import {spawn} from 'node:child_process'
import {BreytaError} from '../errors.js'
import {pidAlive} from '../shared/pid.js'
import type {Workspace} from '../workspace/workspace.js'
import {daemonProcessEnv} from './heap.js'
import {countRuns} from './recovery.js'
import {probeDaemon} from './presence.js'
import type {DaemonInfo} from './status.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Until daemon.json names `pid` and its /healthz answers; throws after `timeoutMs`. */
export async function waitForDaemon(ws: Workspace, pid: number, options: {timeoutMs?: number; exited?: () => boolean} = {}): Promise<DaemonInfo> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  while (Date.now() < deadline) {
    if (options.exited?.() || !pidAlive(pid))
      throw new BreytaError('internal', `the daemon (pid ${pid}) exited during start-up`, {hint: `See ${ws.local.daemonLog}.`})
    const info = await probeDaemon(ws, {timeoutMs: 1000})
    if (info?.pid === pid) return info
    await sleep(50)
  }
  throw new BreytaError('internal', `the daemon (pid ${pid}) did not come up within ${options.timeoutMs ?? 15_000} ms`, {hint: `See ${ws.local.daemonLog}.`})
}

export interface DetachOptions {
  /**
   * The program that runs a daemon in the foreground, and its arguments (the CLI passes its own
   * `daemon start --workspace ROOT …`). It learns its log file from BREYTA_DAEMON_LOG.
   */
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
}

export interface DetachedDaemon {
  pid: number
  url: string
  'started-at': string
  log: string
}

/**
 * Start a daemon in the background, logging to the workspace's daemon.log, and return once it
 * answers. daemon_already_running when one serves the workspace (or won the race to start).
 */
export async function spawnDetachedDaemon(ws: Workspace, options: DetachOptions): Promise<DetachedDaemon> {
  const running = await probeDaemon(ws)
  if (running) {
    throw new BreytaError('daemon_already_running', `a daemon already serves this workspace (pid ${running.pid}, ${running.url})`, {
      hint: 'Stop it with `breyta daemon stop`.',
      details: {pid: running.pid, url: running.url},
    })
  }
  const log = ws.local.daemonLog
  const fd = ws.local.openDaemonLog()
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', fd.fd, fd.fd],
    env: {...daemonProcessEnv(options.env ?? process.env), BREYTA_DAEMON_LOG: log, NO_COLOR: '1'},
  })
  fd.close()
  let exited: number | null = null
  child.once('exit', (code) => (exited = code ?? 1))
  child.unref()
  try {
    const info = await waitForDaemon(ws, child.pid!, {exited: () => exited !== null})
    return {pid: info.pid, url: info.url, 'started-at': info['started-at'], log}
  } catch (err) {
    if (exited === 4) {
      const other = await probeDaemon(ws)
      throw new BreytaError('daemon_already_running', `a daemon already serves this workspace${other ? ` (pid ${other.pid}, ${other.url})` : ''}`, {
        hint: 'Stop it with `breyta daemon stop`.',
        details: other ? {pid: other.pid, url: other.url} : {},
      })
    }
    const tail = ws.local.daemonLogTail(6)
    throw new BreytaError('internal', `${(err as Error).message}${tail ? `\n${tail}` : ''}`, {hint: `See ${log}.`})
  }
}

export interface StopResult {
  stopped: true
  pid: number
  url: string
  /** True when it had to be killed (SIGKILL) after the grace period. */
  forced: boolean
  'waited-ms': number
}

/** SIGTERM the running daemon, wait for it to exit, SIGKILL after `graceMs`. */
export async function stopDaemon(ws: Workspace, options: {graceMs?: number} = {}): Promise<StopResult> {
  const info = await probeDaemon(ws)
  if (!info) {
    // A daemon killed with -9 left its daemon.json behind.
    await ws.local.removeDaemonInfo()
  }
  if (!info) throw new BreytaError('daemon_not_running', 'no daemon is running for this workspace', {hint: 'Start one with `breyta daemon start --detach`.'})
  const t0 = Date.now()
  const grace = options.graceMs ?? 15_000
  try {
    process.kill(info.pid, 'SIGTERM')
  } catch {
    // gone already
  }
  let forced = false
  while (pidAlive(info.pid)) {
    if (Date.now() - t0 > grace) {
      forced = true
      try {
        process.kill(info.pid, 'SIGKILL')
      } catch {
        // gone
      }
      for (let i = 0; i < 100 && pidAlive(info.pid); i++) await sleep(20)
      break
    }
    await sleep(20)
  }
  if (forced) {
    // A killed daemon cannot clean up after itself.
    await ws.local.removeDaemonInfo(info.pid)
  }
  return {stopped: true, pid: info.pid, url: info.url, forced, 'waited-ms': Date.now() - t0}
}

export interface DaemonStatus {
  running: boolean
  pid: number | null
  url: string | null
  'started-at': string | null
  'uptime-s': number | null
  log: string | null
  /** Runs by status, from their snapshots. */
  runs: Record<string, number>
}

export async function daemonStatus(ws: Workspace): Promise<DaemonStatus> {
  const info = await probeDaemon(ws)
  const runs = await countRuns(ws)
  if (!info) return {running: false, pid: null, url: null, 'started-at': null, 'uptime-s': null, log: null, runs}
  return {
    running: true,
    pid: info.pid,
    url: info.url,
    'started-at': info['started-at'],
    'uptime-s': Math.round((Date.now() - Date.parse(info['started-at'])) / 1000),
    log: info.log ?? null,
    runs,
  }
}
