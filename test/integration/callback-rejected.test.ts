/**
 * The daemon says when it refuses a callback: a log line (status, code, run, key; never the
 * body or the token) and a `callback_rejected` event in the run's journal, shown by `runs logs`.
 */
import {afterEach, beforeEach, expect, it} from 'vitest'
import {readRunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon, type DaemonProcess} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let d: DaemonProcess
beforeEach(async () => {
  t = await tempWorkspace('breyta-cb-rejected-')
  t.writeFlow('w', `{:slug :w :name "w" :flow (flow/step :wait :done {:key "done" :validation {:required [:result]}})}`)
  d = await spawnDaemon(t.root)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

it('a wrong token, bad JSON and a payload failing validation are logged and journaled, never the body or token', async () => {
  const r = await cli(['flows', 'run', 'w', '--json'], {cwd: t.root})
  const id = r.json.data.id as string
  await until(() => readRunView(t.ws.layout, id).status === 'waiting')
  const url = (await cli(['runs', 'show', id, '--json'], {cwd: t.root})).json.data.waits[0]['callback-url'] as string
  const wrong = url.replace(/token=[^&]+/, 'token=not-the-token')
  const post = (u: string, body: string) => fetch(u, {method: 'POST', headers: {'content-type': 'application/json'}, body})
  expect((await post(wrong, '{"result": 1}')).status).toBe(403)
  expect((await post(url, '{"secret-body": ')).status).toBe(400)
  expect((await post(url, '{"other": "secret-body"}')).status).toBe(400)

  const logs = await cli(['runs', 'logs', id, '--json'], {cwd: t.root})
  const rejected = logs.json.data.items.filter((e: {type: string}) => e.type === 'callback_rejected')
  expect(rejected).toMatchObject([
    {key: 'done', status: 403, code: 'forbidden'},
    {key: 'done', status: 400, code: 'invalid_json', message: 'body is not valid JSON'},
    {key: 'done', status: 400, code: 'invalid_input'},
  ])
  const text = await cli(['runs', 'logs', id], {cwd: t.root})
  expect(text.stdout).toContain('callback for "done" rejected: 403 forbidden')
  await until(() => (d.stderr().match(/callback rejected/g) ?? []).length >= 3)
  const lines = d
    .stderr()
    .split('\n')
    .filter((l) => l.includes('callback rejected'))
  expect(lines[0]).toContain('status=403')
  expect(lines[0]).toContain(`run=${id}`)
  expect(lines[0]).toContain('key=done')
  const token = new URL(url).searchParams.get('token')!
  for (const where of [d.stderr(), JSON.stringify(logs.json)]) {
    expect(where).not.toContain('secret-body')
    expect(where).not.toContain(token)
  }
  // The run still waits and takes a good callback.
  expect((await post(url, '{"result": 42}')).status).toBe(202)
  await until(() => readRunView(t.ws.layout, id).status === 'completed')
}, 60_000)
