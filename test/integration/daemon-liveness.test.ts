/**
 * Issue 12, liveness that cannot be fooled: a daemon killed with -9 (left a zombie where PID 1
 * does not reap, as here) is never taken for alive, `daemon start` right after succeeds, and a
 * run is only handed to a daemon that acknowledged it, so no run is stranded.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readRunView} from '../../src/engine/index.js'
import {BIN, cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const started: number[] = []

beforeEach(async () => {
  t = await tempWorkspace()
})
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  t.cleanup()
})

const run = (args: string[]) => cli([...args, '--json'], {cwd: t.root})

describe('daemon liveness', () => {
  it('five cycles of start --detach, flows run, kill -9 and an immediate restart: every start succeeds, every run completes', async () => {
    t.writeFlow('nap', '{:slug :nap :name "Nap" :flow (do (flow/step :function :one {:code "(fn [_] 1)"}) (flow/step :sleep :nap {:duration "1s"}) :rested)}')
    const runs: string[] = []
    for (let i = 0; i < 5; i++) {
      const start = await run(['daemon', 'start', '--detach', '--port', '0'])
      expect(start.code, `start ${i}: ${start.stdout}${start.stderr}`).toBe(0)
      started.push(start.json.data.pid)
      const r = await run(['flows', 'run', 'nap'])
      expect(r.code, r.stdout + r.stderr).toBe(0)
      runs.push(r.json.data.id)
      process.kill(start.json.data.pid, 'SIGKILL')
    }
    const last = await run(['daemon', 'start', '--detach', '--port', '0'])
    expect(last.code, last.stdout + last.stderr).toBe(0)
    started.push(last.json.data.pid)
    const status = await run(['daemon', 'status'])
    expect(status.json.data).toMatchObject({running: true, pid: last.json.data.pid})

    await until(() => runs.every((id) => readRunView(t.ws.layout, id).status === 'completed'), 60_000, 100)
    for (const id of runs) expect(readRunView(t.ws.layout, id).output).toBe('rested')

    const stop = await run(['daemon', 'stop'])
    expect(stop.code, stop.stdout + stop.stderr).toBe(0)
    const after = await run(['daemon', 'status'])
    expect(after.json.data.running).toBe(false)
  }, 180_000)

  it('a zombie daemon (killed, never reaped) is not alive: start succeeds and runs are not handed to it', async (ctx) => {
    if (!fs.existsSync('/proc/self/stat')) return ctx.skip('needs /proc to see the zombie')
    t.writeFlow('hi', '{:slug :hi :name "Hi" :flow (flow/step :function :one {:code "(fn [_] 1)"})}')
    // The daemon's parent is `sleep`, which never reaps it: killed, it stays a zombie.
    const parent = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" daemon start --port 0 --workspace "${t.root}" >/dev/null 2>&1 & echo $! ; exec sleep 600`],
      {stdio: ['ignore', 'pipe', 'ignore']},
    )
    let out = ''
    parent.stdout!.on('data', (d) => (out += d))
    try {
      const pid = await until(() => Number(out.trim()) || undefined, 10_000)
      started.push(pid)
      await until(async () => (await run(['daemon', 'status'])).json.data?.pid === pid, 20_000, 50)
      process.kill(pid, 'SIGKILL')
      await until(() => /\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), 10_000)

      const r = await run(['flows', 'run', 'hi'])
      expect(r.json.data, r.stdout + r.stderr).toMatchObject({status: 'completed', output: 1})
      const start = await run(['daemon', 'start', '--detach', '--port', '0'])
      expect(start.code, start.stdout + start.stderr).toBe(0)
      started.push(start.json.data.pid)
      expect(start.json.data.pid).not.toBe(pid)
    } finally {
      parent.kill('SIGKILL')
    }
  }, 120_000)
})
