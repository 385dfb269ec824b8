import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {emap, kw} from '../../src/engine/edn/values.js'
import {openKvStore} from '../../src/engine/store/fs/kv-store.js'
import {WorkspaceLayout} from '../../src/engine/store/fs/paths.js'

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

function breyta(cwd: string, ...args: string[]): Promise<{code: number; stdout: string; stderr: string; json: {ok: boolean; data?: any; error?: any}}> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], {cwd, env: {...process.env, BREYTA_WORKSPACE: ''}}, (err, stdout, stderr) => {
      let json
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, stdout, stderr, json})
    })
  })
}

describe('breyta kv', () => {
  let dir: string
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-kvcli-'))
    expect((await breyta(dir, 'init', '--json')).code).toBe(0)
  }, 120_000)
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('set parses JSON values, get --json returns {key namespace value expires-at}', async () => {
    const set = await breyta(dir, 'kv', 'set', 'limits', '{"max": 5}', '--namespace', 'my-flow', '--ttl', '1h', '--json')
    expect(set.code).toBe(0)
    expect(set.json.data).toMatchObject({key: 'limits', namespace: 'my-flow', value: {max: 5}})
    const got = await breyta(dir, 'kv', 'get', 'limits', '--namespace', 'my-flow', '--json')
    expect(got.code).toBe(0)
    expect(Object.keys(got.json.data).sort()).toEqual(['expires-at', 'key', 'namespace', 'value'])
    expect(got.json.data.value).toEqual({max: 5})
    expect(Date.parse(got.json.data['expires-at']) - Date.now()).toBeGreaterThan(3_500_000)
  }, 120_000)

  it('reads what a flow step wrote under its slug namespace', async () => {
    const store = openKvStore(new WorkspaceLayout(dir))
    await store.set('pr-review', 'last', emap({decision: kw('approved')}))
    store.close()
    const got = await breyta(dir, 'kv', 'get', 'last', '--namespace', 'pr-review')
    expect(got.code).toBe(0)
    expect(got.stdout.trim()).toBe('{"decision":"approved"}')
  }, 120_000)

  it('get of a missing key exits 3 with resource_not_found', async () => {
    const r = await breyta(dir, 'kv', 'get', 'nope', '--json')
    expect(r.code).toBe(3)
    expect(r.json).toMatchObject({ok: false, error: {code: 'resource_not_found', details: {key: 'nope', namespace: 'default'}}})
  }, 120_000)

  it('list pages by cursor and filters by prefix; delete removes', async () => {
    // Seeded through the store itself: each CLI start costs ~1–6 s in dev mode under load.
    const store = openKvStore(new WorkspaceLayout(dir))
    for (const k of ['user:1', 'user:2', 'other']) await store.set('default', k, 'v-' + k)
    store.close()
    const page1 = await breyta(dir, 'kv', 'list', '--prefix', 'user:', '--limit', '1', '--json')
    expect(page1.json.data).toEqual({items: [{key: 'user:1', namespace: 'default', value: 'v-user:1', 'expires-at': null}], next: 'user:1'})
    const page2 = await breyta(dir, 'kv', 'list', '--prefix', 'user:', '--limit', '1', '--cursor', 'user:1', '--json')
    expect(page2.json.data.items.map((e: {key: string}) => e.key)).toEqual(['user:2'])
    const del = await breyta(dir, 'kv', 'delete', 'other', '--json')
    expect(del.json.data).toEqual({key: 'other', namespace: 'default', deleted: true})
    expect((await breyta(dir, 'kv', 'get', 'other', '--json')).code).toBe(3)
  }, 120_000)

  it('a bad --ttl is invalid_input (exit 2)', async () => {
    const r = await breyta(dir, 'kv', 'set', 'k', 'v', '--ttl', 'soon', '--json')
    expect(r.code).toBe(2)
    expect(r.json.error.code).toBe('invalid_input')
  }, 120_000)
})
