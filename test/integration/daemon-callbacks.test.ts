/** Callback URLs end to end (exec → background curl → wait → function) and the HTTP statuses of SPEC §7. */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {completeWait, fromJson, readRunEvents, readRunView, type BreytaError} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon, type DaemonProcess} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

const run = promisify(execFile)
let t: TempWorkspace
let d: DaemonProcess

const CALLBACK_FLOW = `{:slug :cb :name "callback"
 :flow (let [url (flow/callback-url "done")
             kick (flow/step :exec :kick {:command ["sh" "-c" "(sleep 1; curl -s -X POST -H 'content-type: application/json' -d '{\\"result\\":42,\\"by\\":\\"worker\\"}' \\"$URL\\") >/dev/null 2>&1 &"]
                                         :env {:URL url}})
             r (flow/step :wait :w {:key "done" :timeout "60s"})]
         (flow/step :function :f {:code "(fn [x] {:got (:result x)})" :input r}))}
`
const WAIT_FLOW = `{:slug :w :name "wait"
 :flow (let [r (flow/step :wait :w {:key "k" :timeout "60s"})]
         {:payload r})}
`

beforeEach(async () => {
  t = await tempWorkspace('breyta-daemon-cb-')
  t.writeFlow('cb', CALLBACK_FLOW)
  t.writeFlow('w', WAIT_FLOW)
  d = await spawnDaemon(t.root)
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

async function startWaiting(slug = 'w'): Promise<{id: string; url: string}> {
  const r = await cli(['flows', 'run', slug, '--json'], {cwd: t.root})
  expect(r.code).toBe(0)
  const id = r.json.data.id as string
  const view = await until(() => {
    const v = readRunView(t.ws.layout, id)
    return v.status === 'waiting' ? v : undefined
  })
  const show = await cli(['runs', 'show', id, '--json'], {cwd: t.root})
  return {id: view.id, url: show.json.data.waits[0]['callback-url']}
}

describe('callbacks through the daemon', () => {
  it('exec starts a background curl of the callback URL; the run goes waiting → completed with the payload as the wait output', async () => {
    const r = await cli(['flows', 'run', 'cb', '--json'], {cwd: t.root})
    expect(r.code).toBe(0)
    const id = r.json.data.id as string
    const statuses = new Set<string>()
    const final = await until(
      () => {
        const v = readRunView(t.ws.layout, id)
        statuses.add(v.status)
        return v.status === 'completed' || v.status === 'failed' ? v : undefined
      },
      20_000,
      10,
    )
    expect(statuses.has('waiting')).toBe(true)
    expect(final.status).toBe('completed')
    expect(final.output).toEqual({got: 42})
    expect(final.steps.find((s) => s.id === 'w')?.output).toEqual({result: 42, by: 'worker'})
    expect(final.waits[0]).toMatchObject({key: 'done', status: 'completed'})
    // The callback URL carries the daemon's address.
    expect(final.steps.find((s) => s.id === 'kick')?.input).toMatchObject({env: {URL: expect.stringContaining(`${d.url}/callbacks/${id}/done?token=`)}})
  })

  it('answers 403 wrong token, 404 unknown run, 400 bad JSON, 413 over 1 MiB, then 202 once and 409 after', async () => {
    const {id, url} = await startWaiting()
    const post = (u: string, body: string | Buffer, headers: Record<string, string> = {'content-type': 'application/json'}) =>
      fetch(u, {method: 'POST', body, headers}).then(async (r) => ({status: r.status, body: await r.json().catch(() => null)}))
    expect((await post(url.replace(/token=[^&]+/, 'token=AAAA'), '{}')).status).toBe(403)
    expect((await post(url.replace(/token=[^&]+/, ''), '{}')).status).toBe(403)
    // A token for another key of this run is wrong for this key.
    expect((await post(url.replace('/k?', '/other?'), '{}')).status).toBe(403)
    expect((await post(url.replace(id, '01ARZ3NDEKTSV4RRFFQ69G5FAV'), '{}')).status).toBe(404)
    expect((await post(url.replace(id, 'not-a-run'), '{}')).status).toBe(404)
    const bad = await post(url, '{"oops": ')
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_json')
    expect((await post(url, Buffer.alloc(1024 * 1024 + 10, 0x20))).status).toBe(413)
    // Still open after all of that:
    expect(readRunView(t.ws.layout, id).status).toBe('waiting')
    const ok = await post(url, '{"n": 1}')
    expect([200, 202]).toContain(ok.status)
    expect(ok.body).toMatchObject({ok: true, run: id, key: 'k'})
    expect((await post(url, '{"n": 2}')).status).toBe(409)
    const done = await until(() => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' ? v : undefined
    })
    expect(done.output).toEqual({payload: {n: 1}})
    // A finished run: still 409 for the completed key.
    expect((await post(url, '{"n": 3}')).status).toBe(409)
  })

  it("a parked run's callback is journaled by the advance that takes the run: on disk before the 202, the inbox holding only the key's claim", async () => {
    const {id, url} = await startWaiting()
    const res = await fetch(url, {method: 'POST', body: '{"n": 7}', headers: {'content-type': 'application/json'}})
    expect(res.status).toBe(202)
    expect(readRunEvents(t.ws.layout, id).filter((e) => e.type === 'wait_completed')).toMatchObject([{key: 'k', source: 'callback'}])
    // An entry posted to the inbox holds the completion; a claim is an empty name.
    expect(fs.statSync(path.join(t.root, '.breyta', 'runs', id, 'inbox', 'k.json')).size).toBe(0)
    expect(((await (await fetch(`${d.url}/healthz`)).json()) as {'completed-in-workers': number})['completed-in-workers']).toBe(1)
    const done = await until(() => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' ? v : undefined
    })
    expect(done.output).toEqual({payload: {n: 7}})
  })

  it("a claim left by a daemon killed between its claim and its flush does not turn the worker's retry away", async () => {
    const {id, url} = await startWaiting()
    // What a daemon's worker leaves on disk when the process dies before the journal has it.
    expect(await t.ws.store.inbox.claim(id, {key: 'k', payload: 1, source: 'callback', at: new Date().toISOString()})).toBe(true)
    const res = await fetch(url, {method: 'POST', body: '{"n": 8}', headers: {'content-type': 'application/json'}})
    expect(res.status).toBe(202)
    const done = await until(() => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' ? v : undefined
    })
    expect(done.output).toEqual({payload: {n: 8}})
  })

  it('a callback and a completion by another process racing for one parked wait: exactly one wins, and it is the one journaled', async () => {
    for (let i = 0; i < 8; i++) {
      const {id, url} = await startWaiting()
      // This test process is the other process (as `breyta waits complete` would be), posting to
      // the inbox while the daemon's worker claims the key under the run's lease.
      const [http, other] = await Promise.all([
        fetch(url, {method: 'POST', body: '{"by": "callback"}', headers: {'content-type': 'application/json'}}).then((r) => r.status),
        completeWait(t.ws, id, 'k', {payload: fromJson({by: 'cli'}), source: 'cli'}).then(
          () => 'won',
          (err: BreytaError) => err.code,
        ),
      ])
      const winner = http === 202 ? 'callback' : 'cli'
      expect(winner === 'callback' ? other : http).toBe(winner === 'callback' ? 'wait_already_completed' : 409)
      if (winner === 'cli') expect(other).toBe('won')
      const done = await until(() => {
        const v = readRunView(t.ws.layout, id)
        return v.status === 'completed' ? v : undefined
      })
      expect(done.output).toEqual({payload: {by: winner}})
      expect(readRunEvents(t.ws.layout, id).filter((e) => e.type === 'wait_completed')).toHaveLength(1)
    }
  })

  it('413 for curl too (Expect: 100-continue and chunked bodies), without reading the body', async () => {
    const {url} = await startWaiting()
    const big = path.join(os.tmpdir(), `breyta-big-${process.pid}`)
    fs.writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 0x61))
    try {
      const plain = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--data-binary', `@${big}`, url])
      expect(plain.stdout).toBe('413')
      const chunked = await run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        'Transfer-Encoding: chunked',
        '-X',
        'POST',
        '--data-binary',
        `@${big}`,
        url,
      ]).catch((e) => e)
      expect(chunked.stdout).toBe('413')
    } finally {
      fs.rmSync(big, {force: true})
    }
  })

  it('a callback that arrives before its wait opens is kept and used (fast worker)', async () => {
    t.writeFlow(
      'early',
      `{:slug :early :name "early"
 :flow (let [url (flow/callback-url "fast")
             _ (flow/step :exec :kick {:command ["curl" "-s" "-X" "POST" "-d" "{\\"fast\\":true}" url]})
             _ (flow/step :exec :slow {:command ["sleep" "0.3"]})
             r (flow/step :wait :w {:key "fast"})]
         r)}
`,
    )
    const r = await cli(['flows', 'run', 'early', '--json'], {cwd: t.root})
    const id = r.json.data.id as string
    const v = await until(() => {
      const v = readRunView(t.ws.layout, id)
      return v.status === 'completed' || v.status === 'failed' ? v : undefined
    })
    expect(v.status).toBe('completed')
    expect(v.output).toEqual({fast: true})
  })

  it('GET /runs/RUN needs the run token: 401 without, 403 wrong, 404 unknown, 200 with the runs show shape', async () => {
    const {id} = await startWaiting()
    const show = await cli(['runs', 'show', id, '--json'], {cwd: t.root})
    const statusUrl = show.json.data['status-url'] as string
    expect(statusUrl).toMatch(new RegExp(`^${d.url}/runs/${id}\\?token=`))
    expect((await fetch(`${d.url}/runs/${id}`)).status).toBe(401)
    expect((await fetch(`${d.url}/runs/${id}?token=nope`)).status).toBe(403)
    expect((await fetch(`${d.url}/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV?token=nope`)).status).toBe(404)
    const res = await fetch(statusUrl)
    expect(res.status).toBe(200)
    const doc = await res.json()
    const {'status-url': _, ...cliData} = show.json.data
    // The same document, except that callback URLs come without their (write) tokens.
    const waits = cliData.waits.map((w: {'callback-url': string | null}) => ({...w, 'callback-url': w['callback-url']?.replace(/\?token=.*$/, '') ?? null}))
    expect(waits[0]['callback-url']).toBe(`${d.url}/callbacks/${id}/k`)
    expect(doc).toEqual({ok: true, data: {...cliData, waits}})
    const token = new URL(statusUrl).searchParams.get('token')
    expect((await fetch(`${d.url}/runs/${id}`, {headers: {authorization: `Bearer ${token}`}})).status).toBe(200)
    expect((await fetch(`${d.url}/nowhere`)).status).toBe(404)
  })

  it('a secret set after a run wrote it is redacted from its run view over HTTP, also one whose raw form holds quotes', async () => {
    t.writeFlow('keeps', '{:slug :keeps :name "keeps" :flow (flow/step :function :f {:code "(fn [x] x)" :input (flow/input)})}')
    const plain = 'later-secret-1234'
    const quoted = 'q"uote"d-val'
    const r = await cli(['flows', 'run', 'keeps', '--input', JSON.stringify({a: plain, b: quoted}), '--wait', '--json'], {cwd: t.root})
    expect(r.json.data.output).toEqual({a: plain, b: quoted})
    const statusUrl = (await cli(['runs', 'show', r.json.data.id, '--json'], {cwd: t.root})).json.data['status-url'] as string
    const before = await (await fetch(statusUrl)).json()
    expect(before.data.output).toEqual({a: plain, b: quoted})

    for (const [name, value] of [
      ['later', plain],
      ['quoted', quoted],
    ]) {
      expect((await cli(['secrets', 'set', name!, '--json'], {cwd: t.root, input: value})).json.ok).toBe(true)
    }
    const res = await fetch(statusUrl)
    const text = await res.text()
    expect(text).not.toContain(plain)
    expect(text).not.toContain(JSON.stringify(quoted).slice(1, -1))
    expect(JSON.parse(text).data.output).toEqual({a: '***', b: '***'})
  })

  it("the read token's run view holds no write token, not even one flow code put into a step", async () => {
    t.writeFlow(
      'leaky',
      `{:slug :leaky :name "leaky"
 :flow (let [u (flow/callback-url "k")]
         (flow/step :function :f {:code "(fn [x] x)" :input {:url u :note (str "call " u)}})
         (flow/step :wait :w {:key "k" :timeout "60s"}))}`,
    )
    const r = await cli(['flows', 'run', 'leaky', '--wait', '--timeout', '1ms', '--json'], {cwd: t.root})
    const id = r.json.data?.id ?? r.json.error?.details?.run?.id
    const show = await until(async () => {
      const s = await cli(['runs', 'show', id, '--json'], {cwd: t.root})
      return s.json.data?.status === 'waiting' ? s : undefined
    })
    const writeUrl = show.json.data.waits[0]['callback-url'] as string
    const writeToken = new URL(writeUrl).searchParams.get('token')!
    expect(JSON.stringify(show.json.data.steps)).toContain(writeToken) // the step recorded it
    const res = await fetch(show.json.data['status-url'])
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(writeToken)
    const doc = JSON.parse(text)
    expect(doc.data.waits[0]['callback-url']).toBe(`${d.url}/callbacks/${id}/k`)
    expect((await fetch(doc.data.waits[0]['callback-url'], {method: 'POST', body: '{}'})).status).toBe(403)
    expect((await fetch(writeUrl, {method: 'POST', body: '{}'})).status).toBe(202)
  })
})
