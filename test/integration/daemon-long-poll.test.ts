/** `GET /runs/RUN?wait=…` (long poll) and `flows run --wait` waiting on it when a daemon runs. */
import fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readRunView} from '../../src/engine/index.js'
import {runStatusUrl} from '../../src/engine/workspace/callback-url.js'
import {killDaemons, longPolls as longPollsAt, spawnDaemon, WAIT_FLOW, type DaemonProcess} from '../helpers/daemon.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let d: DaemonProcess

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-lp-')
  t.writeFlow('w', WAIT_FLOW)
  d = await spawnDaemon(t.root)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const longPolls = () => longPollsAt(d.url)

async function parked(): Promise<{id: string; seq: number}> {
  const r = await cli(['flows', 'run', 'w', '--json'], {cwd: t.root})
  expect(r.code).toBe(0)
  const id = r.json.data.id as string
  const view = await until(() => {
    const v = readRunView(t.ws.layout, id)
    return v.status === 'waiting' ? v : undefined
  })
  return {id, seq: view.seq}
}

const complete = async (id: string, n: number) =>
  fetch((await t.ws.callbacks()).callbackUrl(id, 'k').replace(/^http:\/\/[^/]+/, d.url), {
    method: 'POST',
    body: JSON.stringify({n}),
    headers: {'content-type': 'application/json'},
  })

describe('GET /runs/RUN?wait=', () => {
  it('answers a parked run at once; with after=SEQ it answers when the run moves on and ends', async () => {
    const {id, seq} = await parked()
    const status = runStatusUrl(d.url, await t.ws.key(), id)
    const now = await fetch(`${status}&wait=20s`)
    expect(now.status).toBe(200)
    expect(((await now.json()) as {data: {status: string}}).data.status).toBe('waiting')

    // As a client does: ask again past what it saw (the daemon may look at the parked run once
    // more, parking it again at a later seq) until it ends.
    const poll = async (after: number) => {
      const r = await fetch(`${status}&wait=20s&after=${after}`)
      expect(r.status).toBe(200)
      return ((await r.json()) as {data: {status: string; seq: number; output: unknown}}).data
    }
    const ended = (async () => {
      let view = await poll(seq)
      while (view.status !== 'completed') view = await poll(view.seq)
      return view
    })()
    await until(async () => (await longPolls()) === 1)
    expect((await complete(id, 5)).status).toBe(202)
    expect(await ended).toMatchObject({status: 'completed', output: {got: 5}})
    expect(await longPolls()).toBe(0)
  })

  it('refuses a bad duration or sequence number with 400', async () => {
    const {id} = await parked()
    const status = runStatusUrl(d.url, await t.ws.key(), id)
    expect((await fetch(`${status}&wait=soon`)).status).toBe(400)
    expect((await fetch(`${status}&wait=1s&after=x`)).status).toBe(400)
  })
})

describe('flows run --wait with a daemon', () => {
  it('waits on the long poll, not by polling, and ends when the callback completes the wait', async () => {
    const child = spawnCli(['flows', 'run', 'w', '--wait', '--json'], {cwd: t.root})
    let out = ''
    child.stdout.on('data', (b: Buffer) => (out += b))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await until(async () => (await longPolls()) === 1, 30_000)
    const id = await until(() =>
      fs
        .readdirSync(t.ws.layout.runsDir)
        .filter((r) => /^[0-9A-Z]{26}$/.test(r))
        .find((r) => readRunView(t.ws.layout, r).status === 'waiting'),
    )
    expect((await complete(id, 9)).status).toBe(202)
    expect(await exited).toBe(0)
    expect(JSON.parse(out).data).toMatchObject({id, status: 'completed', output: {got: 9}})
  })
})
