/** `runs watch` with a daemon: it follows the run through the daemon's long poll, not by driving or polling it. */
import {afterEach, beforeEach, expect, it} from 'vitest'
import {readRunView} from '../../src/engine/index.js'
import {killDaemons, longPolls as longPollsAt, spawnDaemon, WAIT_FLOW, type DaemonProcess} from '../helpers/daemon.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let d: DaemonProcess

beforeEach(async () => {
  t = await tempWorkspace('breyta-watch-daemon-')
  t.writeFlow('w', WAIT_FLOW)
  d = await spawnDaemon(t.root)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const longPolls = () => longPollsAt(d.url)

it("follows a parked run on the daemon's long poll and ends, with every event, when a callback completes it", async () => {
  const started = await cli(['flows', 'run', 'w', '--json'], {cwd: t.root})
  expect(started.code).toBe(0)
  const id = started.json.data.id as string
  await until(() => readRunView(t.ws.layout, id).status === 'waiting')

  const child = spawnCli(['runs', 'watch', id], {cwd: t.root})
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => (out += b))
  child.stderr.on('data', (b: Buffer) => (err += b))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  // The watch waits in the daemon: one long poll open for it, and no word of driving the run.
  await until(async () => (await longPolls()) === 1, 30_000)
  await until(() => out.includes('waiting on "k"'))
  const complete = await fetch((await t.ws.callbacks()).callbackUrl(id, 'k').replace(/^http:\/\/[^/]+/, d.url), {
    method: 'POST',
    body: JSON.stringify({n: 4}),
    headers: {'content-type': 'application/json'},
  })
  expect(complete.status).toBe(202)

  expect(await exited).toBe(0)
  expect(err).not.toContain('no daemon runs')
  // The events after the wait, in order, as they happened; then the run as `runs show` prints it.
  const after = out.slice(out.indexOf('waiting on "k"'))
  const lines = ['wait "k" completed by', '▶ f (function)', '✓ f']
  for (const [i, line] of lines.entries()) expect(after.indexOf(line), line).toBeGreaterThan(i === 0 ? 0 : after.indexOf(lines[i - 1]!))
  expect(readRunView(t.ws.layout, id)).toMatchObject({status: 'completed', output: {got: 4}})
  // The watch's long poll ends with it; the daemon counts it closed when the socket's close arrives.
  await until(async () => (await longPolls()) === 0)
})
