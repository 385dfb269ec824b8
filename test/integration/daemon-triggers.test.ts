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
  it('under load, webhook runs are made by the worker threads; each runs once, to the end, with its own input', async () => {
    // Each run holds its worker for a moment (an :exec step), so later webhooks find runs advancing.
    t.writeFlow(
      'busy',
      `{:slug :busy :name "busy" :triggers [{:type :webhook :secret :hook-secret}]
 :flow (let [i (flow/input)
             w (flow/step :exec :work {:command ["sleep" "1"]})]
         (flow/step :function :echo {:code "(fn [x] (:n x))" :input i}))}
`,
    )
    await releaseFlow(t.ws, 'busy')
    const d = await spawnDaemon(t.root, {env: {BREYTA_SECRET_HOOK_SECRET: 'k'}})
    const post = (n: number) =>
      fetch(`${d.url}/webhooks/busy`, {
        method: 'POST',
        body: JSON.stringify({n}),
        headers: {'content-type': 'application/json', authorization: 'Bearer k'},
      }).then(async (r) => ({status: r.status, run: ((await r.json()) as {run: string}).run}))
    const first = await Promise.all([post(0), post(1)])
    const health = async () => (await (await fetch(`${d.url}/healthz`)).json()) as {active: number; 'made-in-workers': number}
    await until(async () => ((await health()).active >= 2 ? true : undefined))
    const more = await Promise.all(Array.from({length: 10}, (_, i) => post(i + 2)))
    const all = [...first, ...more]
    expect(all.every((r) => r.status === 202)).toBe(true)
    expect((await health())['made-in-workers']).toBeGreaterThan(0)
    for (const [n, r] of all.entries()) {
      const v = await until(() => {
        const v = readRunView(t.ws.layout, r.run)
        return v.status === 'completed' ? v : undefined
      }, 20_000)
      expect(v.output).toBe(n)
      expect(readRunEvents(t.ws.layout, r.run).filter((e) => e.type === 'step_started' && e.step === 'work')).toHaveLength(1)
    }
  }, 60_000)

  it('starts a live run with the body as input, given the secret as bearer or as an HMAC signature', async () => {
    t.writeFlow('hook', HOOK)
    t.writeFlow('plain', `{:slug :plain :name "plain" :triggers [{:type :manual}] :flow (flow/input)}`)
    t.writeFlow('draft-only', HOOK.replace(':slug :hook', ':slug :draft-only'))
    await releaseFlow(t.ws, 'hook')
    await releaseFlow(t.ws, 'plain')
    const secret = 's3cret-value'
    const d = await spawnDaemon(t.root, {env: {BREYTA_SECRET_HOOK_SECRET: secret}})
    const post = (slug: string, body: string, headers: Record<string, string>) =>
      fetch(`${d.url}/webhooks/${slug}`, {method: 'POST', body, headers: {'content-type': 'application/json', ...headers}}).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }))

    const bearer = await post('hook', '{"pr": 7}', {authorization: `Bearer ${secret}`})
    expect(bearer.status).toBe(202)
    expect(bearer.body).toMatchObject({ok: true, run: expect.any(String), version: 1})
    const body = '{"pr": 8}'
    const ts = String(Math.floor(Date.now() / 1000))
    const sig = crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')
    const signed = await post('hook', body, {'x-breyta-signature': `sha256=${sig}`, 'x-breyta-timestamp': ts})
    expect(signed.status).toBe(202)

    for (const [r, pr] of [
      [bearer, 7],
      [signed, 8],
    ] as const) {
      const v = await until(() => {
        const v = readRunView(t.ws.layout, r.body.run)
        return v.status === 'completed' ? v : undefined
      })
      expect(v).toMatchObject({target: 'live', version: 1, input: {pr}, output: {pr}})
      expect(readRunEvents(t.ws.layout, v.id)[0]).toMatchObject({trigger: 'webhook'})
    }

    expect((await post('hook', '{}', {})).status).toBe(401)
    expect((await post('hook', '{}', {authorization: 'Bearer wrong'})).status).toBe(403)
    expect((await post('hook', body, {'x-breyta-signature': `sha256=${'0'.repeat(64)}`, 'x-breyta-timestamp': ts})).status).toBe(403)
    // A signature over another body, or another time, does not verify this one.
    expect((await post('hook', '{"pr": 9}', {'x-breyta-signature': `sha256=${sig}`, 'x-breyta-timestamp': ts})).status).toBe(403)
    expect((await post('hook', body, {'x-breyta-signature': `sha256=${sig}`, 'x-breyta-timestamp': String(Number(ts) + 1)})).status).toBe(403)
    // The old scheme (HMAC of the body alone, no timestamp) is refused.
    const bodyOnly = crypto.createHmac('sha256', secret).update(body).digest('hex')
    expect((await post('hook', body, {'x-breyta-signature': `sha256=${bodyOnly}`})).status).toBe(403)
    // Signed correctly but more than 5 minutes old: a captured request stops working.
    const old = String(Number(ts) - 301)
    const oldSig = crypto.createHmac('sha256', secret).update(`${old}.${body}`).digest('hex')
    expect((await post('hook', body, {'x-breyta-signature': `sha256=${oldSig}`, 'x-breyta-timestamp': old})).status).toBe(403)
    expect((await post('nope', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('plain', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('draft-only', '{}', {authorization: `Bearer ${secret}`})).status).toBe(404)
    expect((await post('hook', '{bad', {authorization: `Bearer ${secret}`})).status).toBe(400)
  })
})

describe('webhook replays', () => {
  it('a replayed signed request and a repeated delivery id start one run each; GitHub signatures work as is', async () => {
    t.writeFlow('hook', HOOK)
    await releaseFlow(t.ws, 'hook')
    const secret = 'replay-secret'
    const d = await spawnDaemon(t.root, {env: {BREYTA_SECRET_HOOK_SECRET: secret}})
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${d.url}/webhooks/hook`, {method: 'POST', body, headers: {'content-type': 'application/json', ...headers}}).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }))
    const runsOf = () => fs.readdirSync(t.ws.layout.runsDir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length

    const body = '{"pr": 1}'
    const ts = String(Math.floor(Date.now() / 1000))
    const signed = {'x-breyta-signature': `sha256=${crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`, 'x-breyta-timestamp': ts}
    const first = await post(body, signed)
    expect(first.status).toBe(202)
    const replays = await Promise.all([post(body, signed), post(body, signed), post(body, {...signed, 'x-breyta-delivery': 'other'})])
    for (const r of replays) expect(r).toMatchObject({status: 200, body: {ok: true, run: first.body.run, repeat: true}})

    // Bearer with a delivery id: the id is what makes a repeat; sent at once, still one run.
    const bearer = {authorization: `Bearer ${secret}`, 'x-breyta-delivery': 'd-42'}
    const both = await Promise.all([post('{"pr": 2}', bearer), post('{"pr": 2}', bearer)])
    expect(both.map((r) => r.status).sort()).toEqual([200, 202])
    expect(both[0]!.body.run).toBe(both[1]!.body.run)
    expect((await post('{"pr": 2}', {...bearer, 'x-breyta-delivery': 'd-43'})).status).toBe(202)

    const gh = {'x-hub-signature-256': `sha256=${crypto.createHmac('sha256', secret).update('{"pr": 3}').digest('hex')}`, 'x-github-delivery': 'gh-1'}
    const ghFirst = await post('{"pr": 3}', gh)
    expect(ghFirst.status).toBe(202)
    expect(await post('{"pr": 3}', gh)).toMatchObject({status: 200, body: {run: ghFirst.body.run}})
    // Another delivery id on the same signed body is the same capture replayed.
    expect(await post('{"pr": 3}', {...gh, 'x-github-delivery': 'gh-2'})).toMatchObject({status: 200, body: {run: ghFirst.body.run}})
    expect((await post('{"pr": 3}', {'x-hub-signature-256': gh['x-hub-signature-256']})).status).toBe(403)

    expect(runsOf()).toBe(4)
    // Remembered across a restart of the daemon.
    await d.stop()
    const d2 = await spawnDaemon(t.root, {env: {BREYTA_SECRET_HOOK_SECRET: secret}})
    const again = await fetch(`${d2.url}/webhooks/hook`, {method: 'POST', body: '{"pr": 2}', headers: bearer}).then((r) => r.json())
    expect(again).toMatchObject({run: both[0]!.body.run, repeat: true})
    expect(runsOf()).toBe(4)
  })
})

describe('schedules', () => {
  it('fire once per tick with the trigger input, across a kill -9 and a restart; only live flows', async () => {
    t.writeFlow(
      'tick',
      `{:slug :tick :name "tick"
 :triggers [{:type :schedule :cron "* * * * * *" :timezone "Europe/Oslo" :input {:from "cron"}}]
 :flow (flow/input)}
`,
    )
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
    const runs = (await listRuns(t.ws, {limit: 500})).items
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
    expect((await listRuns(t.ws)).items).toHaveLength(0)
    // Pretend the daemon was down over the last two new-year ticks.
    fs.writeFileSync(marks, JSON.stringify({[key]: `${new Date().getUTCFullYear() - 2}-01-01T00:00:00.000Z`}))
    d = await spawnDaemon(t.root)
    await until(async () => (await listRuns(t.ws)).items.length === 1)
    await d.stop()
    expect(JSON.parse(fs.readFileSync(marks, 'utf8'))).toEqual({[key]: lastTick})
    d = await spawnDaemon(t.root)
    await sleep(500)
    await d.stop()
    expect((await listRuns(t.ws)).items).toHaveLength(1)
  })
})
