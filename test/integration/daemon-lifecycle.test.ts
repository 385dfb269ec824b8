/** daemon start/status/stop, single instance, daemon.json, SIGTERM exit, --detach. */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readRunView, releaseFlow} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const detached: number[] = []

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-life-')
})
afterEach(async () => {
  await killDaemons()
  for (const pid of detached.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  t.cleanup()
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('daemon lifecycle', () => {
  it('writes daemon.json, answers /healthz on 127.0.0.1, refuses a second daemon, exits 0 on SIGTERM', async () => {
    const d = await spawnDaemon(t.root)
    const info = JSON.parse(fs.readFileSync(path.join(t.root, '.breyta', 'daemon.json'), 'utf8'))
    expect(info).toMatchObject({pid: d.pid, url: d.url, host: expect.any(String), port: expect.any(Number)})
    expect(Date.parse(info['started-at'])).not.toBeNaN()
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await fetch(d.url + '/healthz')).status).toBe(200)

    const second = await cli(['daemon', 'start', '--port', '0', '--json'], {cwd: t.root})
    expect(second.code).toBe(4)
    expect(second.json.error).toMatchObject({code: 'daemon_already_running', details: {pid: d.pid, url: d.url}})
    const detachedSecond = await cli(['daemon', 'start', '--port', '0', '--detach', '--json'], {cwd: t.root})
    expect(detachedSecond.code).toBe(4)
    expect(detachedSecond.json.error.code).toBe('daemon_already_running')

    const status = await cli(['daemon', 'status', '--json'], {cwd: t.root})
    expect(status.code).toBe(0)
    expect(status.json.data).toMatchObject({running: true, pid: d.pid, url: d.url})

    expect(await d.stop()).toBe(0)
    const doc = JSON.parse(d.stdout())
    expect(doc).toMatchObject({ok: true, data: {stopped: true, pid: d.pid}})
    expect(fs.existsSync(path.join(t.root, '.breyta', 'daemon.json'))).toBe(false)

    const after = await cli(['daemon', 'status', '--json'], {cwd: t.root})
    expect(after.code).toBe(0)
    expect(after.json.data).toMatchObject({running: false, pid: null})
    const stop = await cli(['daemon', 'stop', '--json'], {cwd: t.root})
    expect(stop.code).toBe(1)
    expect(stop.json.error.code).toBe('daemon_not_running')
  })

  it('a daemon killed with -9 leaves a stale daemon.json that the next one replaces', async () => {
    const d = await spawnDaemon(t.root)
    await d.kill9()
    const status = await cli(['daemon', 'status', '--json'], {cwd: t.root})
    expect(status.json.data.running).toBe(false)
    const d2 = await spawnDaemon(t.root)
    expect(d2.pid).not.toBe(d.pid)
  })

  it('--detach starts it in the background with a log file; daemon stop ends it', async () => {
    const r = await cli(['daemon', 'start', '--port', '0', '--detach', '--json'], {cwd: t.root})
    expect(r.code).toBe(0)
    const {pid, url, log} = r.json.data
    detached.push(pid)
    expect(log).toBe(path.join(t.root, '.breyta', 'logs', 'daemon.log'))
    expect((await fetch(url + '/healthz')).status).toBe(200)
    expect(fs.readFileSync(log, 'utf8')).toContain('listening')
    const stop = await cli(['daemon', 'stop', '--json'], {cwd: t.root})
    expect(stop.code).toBe(0)
    expect(stop.json.data).toMatchObject({stopped: true, pid, forced: false})
    await until(() => !alive(pid), 5000)
    expect(fs.existsSync(path.join(t.root, '.breyta', 'daemon.json'))).toBe(false)
  })

  it.runIf(process.platform === 'linux')(
    "started as a command or --detach, it runs with glibc's malloc at 2 arenas unless the user chose; its steps get the environment it was given",
    async () => {
      t.writeFlow('env', `{:slug :env :name "env" :triggers [{:type :webhook :secret :hook-secret}] :flow (flow/step :exec :env {:command ["env"]})}`)
      await releaseFlow(t.ws, 'env')
      const env = {BREYTA_SECRET_HOOK_SECRET: 'k'}
      // What the process started with (glibc reads it then), not what its process.env says now.
      const startedWith = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      const stepEnv = async (url: string) => {
        const res = await fetch(`${url}/webhooks/env`, {method: 'POST', body: '{}', headers: {'content-type': 'application/json', authorization: 'Bearer k'}})
        const {run} = (await res.json()) as {run: string}
        const view = await until(() => {
          const v = readRunView(t.ws.layout, run)
          return v.status === 'completed' ? v : undefined
        })
        return (view.output as {stdout: string}).stdout.split('\n')
      }

      const d = await spawnDaemon(t.root, {asCommand: true, env})
      expect(startedWith(d.pid)).toContain('MALLOC_ARENA_MAX=2')
      const seen = await stepEnv(d.url)
      expect(seen.some((l) => l.startsWith('BREYTA_RUN_ID='))).toBe(true)
      expect(seen.filter((l) => l.startsWith('MALLOC_ARENA_MAX=') || l.startsWith('BREYTA_MALLOC_ARENAS='))).toEqual([])
      expect(await d.stop()).toBe(0)

      const r = await cli(['daemon', 'start', '--port', '0', '--detach', '--json'], {cwd: t.root, env})
      expect(r.code).toBe(0)
      detached.push(r.json.data.pid)
      expect(startedWith(r.json.data.pid)).toContain('MALLOC_ARENA_MAX=2')
      expect((await stepEnv(r.json.data.url)).filter((l) => l.startsWith('MALLOC_ARENA_MAX='))).toEqual([])
      expect((await cli(['daemon', 'stop', '--json'], {cwd: t.root})).code).toBe(0)
      await until(() => !alive(r.json.data.pid), 5000)

      const own = await spawnDaemon(t.root, {asCommand: true, env: {...env, MALLOC_ARENA_MAX: '4'}})
      expect(startedWith(own.pid)).toContain('MALLOC_ARENA_MAX=4')
      expect(await stepEnv(own.url)).toContain('MALLOC_ARENA_MAX=4')
    },
    30_000,
  )

  it('binds 127.0.0.1 unless --host says otherwise', async () => {
    const d = await spawnDaemon(t.root, {args: ['--host', '0.0.0.0']})
    const info = JSON.parse(fs.readFileSync(path.join(t.root, '.breyta', 'daemon.json'), 'utf8'))
    expect(info.pid).toBe(d.pid)
    expect((await fetch(`http://127.0.0.1:${info.port}/healthz`)).status).toBe(200)
  })
})
