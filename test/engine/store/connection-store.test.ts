import {mkdtemp, rm, writeFile, mkdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {getConnection, parseConnections, readConnections} from '../../../src/engine/store/fs/connection-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'

let root: string
let layout: WorkspaceLayout
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'breyta-conn-'))
  layout = new WorkspaceLayout(root)
  await mkdir(layout.dir)
})
afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

const SPEC_EXAMPLE = `
{:gh     {:type :http :base-url "https://api.github.com" :auth {:bearer :gh-token}}
 :vm     {:type :ssh :host "10.0.0.5" :port 22 :user "agent"
          :auth {:private-key :vm-key}        ; or {:password :vm-pass}
          :host-key "SHA256:abc"}
 :model  {:type :llm :provider :openai :base-url "http://127.0.0.1:8080/v1" :model "gpt-x"
          :auth {:api-key :openai-key}}
 :main   {:type :sqlite :path "data/main.db"}
 :pg     {:type :postgres :url-secret :pg-url}}
`

describe('connection store', () => {
  it('reads the SPEC example into plain JSON with kebab-case keys', async () => {
    await writeFile(layout.connections, SPEC_EXAMPLE)
    const c = await readConnections(layout)
    expect(Object.keys(c).sort()).toEqual(['gh', 'main', 'model', 'pg', 'vm'])
    expect(c.vm).toEqual({name: 'vm', type: 'ssh', host: '10.0.0.5', port: 22, user: 'agent', auth: {'private-key': 'vm-key'}, 'host-key': 'SHA256:abc'})
    expect(c.gh).toMatchObject({type: 'http', 'base-url': 'https://api.github.com', auth: {bearer: 'gh-token'}})
    expect(c.model).toMatchObject({provider: 'openai'})
    expect(getConnection(c, 'pg')).toMatchObject({'url-secret': 'pg-url'})
  })

  it('a missing file is an empty set', async () => {
    expect(await readConnections(layout)).toEqual({})
  })

  it('reports clear invalid_input errors', () => {
    const f = 'connections.edn'
    expect(() => parseConnections('[1 2]', f)).toThrow(/must be a map/)
    expect(() => parseConnections('{:vm {:host "x"}}', f)).toThrow(/:vm needs :type/)
    expect(() => parseConnections('{:vm {:type :ssh}}', f)).toThrow(/needs :host/)
    expect(() => parseConnections('{:vm {:type :ssh :host "h" :auth {:password 12}}}', f)).toThrow(/must name a secret/)
    expect(() => parseConnections('{:vm {:type :ssh', f)).toThrow(expect.objectContaining({code: 'invalid_input'}))
    expect(() => getConnection({}, 'nope')).toThrow(expect.objectContaining({code: 'invalid_input', message: 'unknown connection :nope'}))
  })
})
