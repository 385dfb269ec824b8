/** Webhook triggers (bearer, HMAC) and schedule triggers (once per tick across restarts). */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {listRuns, readRunEvents, readRunView, releaseFlow} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {sleep, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-trig-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const HOOK = `{:slug :hook :name "hook"
 :triggers [{:type :webhook :secret :hook-secret}]
 :flow (let [i (flow/input)] (flow/step :function :echo {:code "(fn [x] {:pr (:pr x)})" :input i}))}
`

describe('webhooks', () => {
  it('starts a live run with the body as input, given the secret as bearer or as an HMAC signature', async () => {
    t.writeFlow('hook', HOOK)
    t.writeFlow('plain', `{:slug :plain :name "plain" :triggers [{:type :manual}] :flow (flow/input)}`)
    t.writeFlow('draft-only', HOOK.replace(':slug :hook', ':slug :draft-only'))
    await releaseFlow(t.ws, 'hook')
    await releaseFlow(t.ws, 'plain')
    const secret = 's3cret-value'
    const d = await spawnDaemon(t.root, {env: {BREYTA_SECRET_HOOK_SECRET: secret}})
    const post = (slug: string, body: string, headers: Record<string, string>) => fetch(`${d.url}/webhooks/${slug}`, {method: 'POST', body, headers: {'content-type': 'application/json', ...headers}}).then(async (r) => ({status: r.status, body: await r.json()}))

    const bearer = await post('hook', '{"pr": 7}', {authorization: `Bearer ${secret}`})
    expect(bearer.status).toBe(202)
    expect(bearer.body).toMatchObject({ok: true, run: expect.any(String), version: 1})
    const body = '{"pr": 8}'
    const sig = crypto.createHmac('sha256', secret).update(body).digest('hex')
    const signed = await post('hook', body, {'x-breyta-signature': `sha256=${sig}`})
    expect(signed.status).toBe(202)

    for (const [r, pr] of [[bearer, 7], [signed, 8]] as const) {
      const v = await until(() => {
        const v = readRunView(t.ws.layout, r.body.run)
        return v.status === 'completed' ? v : undefined
      })
      expect(v).toMatchObject({target: 'live', version: 1, input: {pr}, output: {pr}})
      expect(readRunEvents(t.ws.layout, v.id)[0]).toMatchObject({trigger: 'webhook'})
    }

    expect((await post('hook', '{}', {})).status).toBe(401)
    expect((await post('hook', '{}', {authorization: 'Bearer wrong'})).status).toBe(403)
    expect((await post('hook', body, {'x-breyta-signature': `sha256=${'0'.repeat(64)}`})).status).toBe(403)
    // A signature over another body does not verify this one.
    expect((await post('hook', '{"pr": 9}', {'x-breyta-signature': `sha256=${sig}`})).status).toBe(403)
    expect((await post('nope', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('plain', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('draft-only', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('hook', '{bad', {authorization: `Bearer ${secret}`})).status).toBe(400)
  })
})

describe('schedules', () => {
  it('fire once per tick with the trigger input, across a kill -9 and a restart; only live flows', async () => {
    t.writeFlow('tick', `{:slug :tick :name "tick"
 :triggers [{:type :schedule :cron "* * * * * *" :timezone "Europe/Oslo" :input {:from "cron"}}]
 :flow (flow/input)}
`)
    t.writeFlow('draft-tick', `{:slug :draft-tick :name "d" :triggers [{:type :schedule :cron "* * * * * *"}] :flow (flow/input)}`)
    await releaseFlow(t.ws, 'tick')
    let d = await spawnDaemon(t.root)
    await sleep(2500)
    await d.kill9()
    d = await spawnDaemon(t.root)
    await sleep(1500)
    await d.stop()
    d = await spawnDaemon(t.root)
    await sleep(1500)
    await d.stop()
    const runs = listRuns(t.ws, {limit: 500}).items
    expect(runs.every((r) => r.flow === 'tick')).toBe(true)
    expect(runs.length).toBeGreaterThanOrEqual(4)
    const seconds = runs.map((r) => r['created-at'].slice(0, 19))
    expect(new Set(seconds).size).toBe(seconds.length)
    for (const r of runs) {
      const v = readRunView(t.ws.layout, r.id)
      expect(v.input).toEqual({from: 'cron'})
      expect(readRunEvents(t.ws.layout, r.id)[0]).toMatchObject({trigger: 'schedule'})
    }
  })

  it('catch-up: a first sighting only sets the watermark; the latest missed tick fires once at start, and never again', async () => {
    t.writeFlow('yearly', `{:slug :yearly :name "y" :triggers [{:type :schedule :cron "0 0 1 1 *" :timezone "UTC"}] :flow (flow/input)}`)
    await releaseFlow(t.ws, 'yearly')
    const marks = t.ws.layout.scheduleWatermark('yearly')
    let d = await spawnDaemon(t.root)
    await d.stop()
    const first = JSON.parse(fs.readFileSync(marks, 'utf8'))
    const key = '0|0 0 1 1 *|UTC'
    const lastTick = `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`
    expect(first).toEqual({[key]: lastTick})
    expect(listRuns(t.ws).items).toHaveLength(0)
    // Pretend the daemon was down over the last two new-year ticks.
    fs.writeFileSync(marks, JSON.stringify({[key]: `${new Date().getUTCFullYear() - 2}-01-01T00:00:00.000Z`}))
    d = await spawnDaemon(t.root)
    await until(() => listRuns(t.ws).items.length === 1)
    await d.stop()
    expect(JSON.parse(fs.readFileSync(marks, 'utf8'))).toEqual({[key]: lastTick})
    d = await spawnDaemon(t.root)
    await sleep(500)
    await d.stop()
    expect(listRuns(t.ws).items).toHaveLength(1)
  })
})
