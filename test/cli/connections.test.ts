/**
 * `breyta connections list | show | test` through `bin/run.js --json`, against real stand-ins on
 * 127.0.0.1: an HTTP server, the in-process ssh2 server, an OpenAI-compatible fake, a SQLite
 * file. Secrets appear by name only.
 */
import fs from 'node:fs'
import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {setSecret} from '../../src/engine/store/fs/secret-store.js'
import {startFakeOpenAi} from '../helpers/servers/llm.js'
import {startServer, type FakeServer} from '../helpers/servers/http.js'
import {startSshServer, type TestSshServer} from '../helpers/servers/ssh.js'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let web: FakeServer
let llm: FakeServer
let ssh: TestSshServer
let closedPort: number
const PASSWORD = 'conn-test-password-1234'
const API_KEY = 'sk-conn-test-key-5678'

beforeAll(async () => {
  t = await tempWorkspace('breyta-conn-')
  web = await startServer(() => ({status: 200, body: {ok: true}}))
  llm = await startFakeOpenAi({apiKey: API_KEY})
  ssh = await startSshServer({users: {agent: {password: PASSWORD}}})
  // A port nothing listens on: bind one, note it, close it.
  closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
  fs.writeFileSync(
    t.ws.layout.connections,
    `{:web   {:type :http :base-url "${web.url}"}
 :down  {:type :http :base-url "http://127.0.0.1:${closedPort}"}
 :vm    {:type :ssh :host "127.0.0.1" :port ${ssh.port} :user "agent" :auth {:password :vm-pass} :host-key "${ssh.fingerprint}"}
 :wrong {:type :ssh :host "127.0.0.1" :port ${ssh.port} :user "agent" :auth {:password :vm-pass} :host-key "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
 :model {:type :llm :provider :openai :base-url "${llm.url}/v1" :model "gpt-test" :auth {:api-key :openai-key}}
 :main  {:type :sqlite :path "data/main.db"}
 :team  {:type :slack :webhook-secret :slack-hook}}
`,
  )
  await setSecret(t.ws.layout, 'vm-pass', PASSWORD)
  await setSecret(t.ws.layout, 'openai-key', API_KEY)
})
afterAll(async () => {
  await Promise.all([web.close(), llm.close(), ssh.close()])
  t.cleanup()
})

const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})

describe('breyta connections', () => {
  it('list: every connection with its target and secrets by name (set or not), never a value', async () => {
    const r = await run('connections', 'list')
    expect(r.code).toBe(0)
    expect(r.json.data.items.map((c: {name: string}) => c.name)).toEqual(['down', 'main', 'model', 'team', 'vm', 'web', 'wrong'])
    expect(r.json.data.items.find((c: {name: string}) => c.name === 'vm')).toEqual({
      name: 'vm',
      type: 'ssh',
      target: '127.0.0.1',
      secrets: [{name: 'vm-pass', source: 'file'}],
    })
    expect(r.json.data.items.find((c: {name: string}) => c.name === 'team').secrets).toEqual([{name: 'slack-hook', source: null}])
    expect(r.stdout).not.toContain(PASSWORD)
    expect(r.stdout).not.toContain(API_KEY)
  })

  it('show NAME: the definition; an unknown name is resource_not_found (exit 3)', async () => {
    const shown = await run('connections', 'show', 'model')
    expect(shown.json.data).toMatchObject({
      name: 'model',
      type: 'llm',
      config: {auth: {'api-key': 'openai-key'}},
      secrets: [{name: 'openai-key', source: 'file'}],
    })
    const missing = await run('connections', 'show', 'nope')
    expect([missing.code, missing.json.error?.code]).toEqual([3, 'resource_not_found'])
  })

  it('test NAME: a live verdict per type', async () => {
    const ok = async (name: string, message: RegExp) => {
      const r = await run('connections', 'test', name)
      expect(r.code, r.stdout).toBe(0)
      expect(r.json.data).toMatchObject({name, verdict: 'ok', error: null})
      expect(r.json.data.message).toMatch(message)
    }
    await ok('web', /^reachable: .* answered HTTP 200$/)
    await ok('vm', /ssh handshake .* ok: host key verified, authenticated as agent/)
    await ok('model', /^authenticated: gpt-test answered$/)
    await ok('main', /^connected/)

    const down = await run('connections', 'test', 'down')
    expect(down.code).toBe(1)
    expect(down.json.error).toMatchObject({code: 'step_failed', details: {name: 'down', verdict: 'failed'}})
    const wrongKey = await run('connections', 'test', 'wrong')
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.json.error!.message).toMatch(/host key/i)
    const slack = await run('connections', 'test', 'team')
    expect([slack.code, slack.json.data.verdict]).toEqual([0, 'skipped'])
    for (const r of [down, wrongKey]) expect(r.stdout).not.toContain(PASSWORD)
  })
})
