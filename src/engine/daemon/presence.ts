/**
 * Is a daemon serving this workspace, and will it take a run? Decided by the daemon answering
 * on its control socket (`layout.daemonSocket`), never by its pid: the kernel closes the socket
 * when the process dies, so a killed daemon (even a zombie, or a pid reused by another process)
 * refuses the connection at once. The socket is also the daemon's single-instance lock.
 *
 * Protocol: one JSON line each way. `{"op":"ping"}` → `{"ok":true,pid,url,started-at}`;
 * `{"op":"schedule","run":ID}` → the same once the daemon has queued the run. A run is handed
 * to a daemon only on that acknowledgement; otherwise the CLI runs it itself.
 */
import fs from 'node:fs'
import net from 'node:net'
import {BreytaError} from '../errors.js'
import {runStatusUrl} from '../workspace/callback-url.js'
import type {Workspace} from '../workspace/workspace.js'
import type {DaemonInfo} from './status.js'

/** A live daemon answers in microseconds; this much only covers a machine under heavy load. */
const ANSWER_MS = 3000
const MAX_REQUEST_BYTES = 4096

export type ControlRequest = {op: 'ping'} | {op: 'schedule'; run: string}

/** Ask the daemon; undefined when none answers (nothing listens, or no answer in time). */
async function ask(ws: Workspace, request: ControlRequest, timeoutMs = ANSWER_MS): Promise<DaemonInfo | undefined> {
  return new Promise((resolve) => {
    let buf = ''
    let done = false
    const finish = (info: DaemonInfo | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(info)
    }
    let reading = false
    const socket = net.createConnection({path: ws.local.daemonSocket})
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'))
    socket.on('data', (d: string) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      try {
        const reply = JSON.parse(buf.slice(0, nl)) as {ok?: boolean; pid?: number; url?: string; 'started-at'?: string}
        if (!reply.ok || typeof reply.pid !== 'number' || typeof reply.url !== 'string') return finish(undefined)
        const {pid, url} = reply
        // The daemon closes the socket after its answer: that must not end the probe meanwhile.
        reading = true
        ws.local.readDaemonInfo().then(
          (file) => finish({...(file?.pid === pid ? file : {}), pid, url, 'started-at': reply['started-at'] ?? ''}),
          () => finish(undefined),
        )
      } catch {
        finish(undefined)
      }
    })
    socket.on('error', () => reading || finish(undefined))
    socket.on('close', () => reading || finish(undefined))
  })
}

/** The daemon serving this workspace, if one answers. */
export function probeDaemon(ws: Workspace, options: {timeoutMs?: number} = {}): Promise<DaemonInfo | undefined> {
  return ask(ws, {op: 'ping'}, options.timeoutMs)
}

/** Hand run `runId` to the daemon: its info once it acknowledged, else undefined (run it yourself). */
export function handToDaemon(ws: Workspace, runId: string, options: {timeoutMs?: number} = {}): Promise<DaemonInfo | undefined> {
  return ask(ws, {op: 'schedule', run: runId}, options.timeoutMs)
}

/**
 * Long poll the daemon (`GET /runs/RUN?wait=…&after=SEQ`) until run `runId` has moved past
 * journal seq `afterSeq` and ended or parked, or `ms` passed. False when the daemon did not
 * answer 200 (gone, restarting): the caller then looks for itself.
 */
export async function awaitRunChange(ws: Workspace, daemon: DaemonInfo, runId: string, afterSeq: number, ms: number, signal?: AbortSignal): Promise<boolean> {
  const url = `${runStatusUrl(daemon.url, await ws.key(), runId)}&wait=${Math.max(1, Math.round(ms))}ms&after=${afterSeq}`
  try {
    const res = await fetch(url, signal ? {signal} : {})
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

export interface ControlServer {
  close(): Promise<void>
}

/**
 * Listen on the control socket, or throw daemon_already_running when a live daemon holds it.
 * A socket file left by a dead daemon (platforms without abstract sockets) is removed.
 */
export async function listenControl(ws: Workspace, answer: (request: ControlRequest) => Promise<DaemonInfo | undefined>): Promise<ControlServer> {
  const server = net.createServer((socket) => {
    let buf = ''
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('data', (d: string) => {
      buf += d
      if (buf.length > MAX_REQUEST_BYTES) return void socket.destroy()
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      // One request per connection: what else arrives is not read.
      socket.pause()
      let request: ControlRequest
      try {
        request = JSON.parse(buf.slice(0, nl)) as ControlRequest
      } catch {
        return void socket.end(JSON.stringify({ok: false}) + '\n')
      }
      void answer(request)
        .catch(() => undefined)
        .then((info) => socket.end(JSON.stringify(info ? {ok: true, pid: info.pid, url: info.url, 'started-at': info['started-at']} : {ok: false}) + '\n'))
    })
  })
  const path = ws.local.daemonSocket
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => {
        server.off('error', reject)
        resolve()
      })
    })
  try {
    await listen()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    const running = path.startsWith('\0') ? true : await probeDaemon(ws, {timeoutMs: 1000})
    if (running) throw alreadyRunning(await probeDaemon(ws))
    fs.rmSync(path, {force: true})
    await listen()
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if (!path.startsWith('\0')) fs.rmSync(path, {force: true})
      }),
  }
}

export function alreadyRunning(running: DaemonInfo | undefined): BreytaError {
  return new BreytaError(
    'daemon_already_running',
    running ? `a daemon already serves this workspace (pid ${running.pid}, ${running.url})` : 'a daemon is starting or already serves this workspace',
    {
      hint: 'Stop it with `breyta daemon stop`, or see it with `breyta daemon status`.',
      details: running ? {pid: running.pid, url: running.url} : {},
    },
  )
}
