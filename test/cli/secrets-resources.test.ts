import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ulid} from 'ulid'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {initWorkspace} from '../../src/engine/index.js'
import {WorkspaceLayout} from '../../src/engine/store/fs/paths.js'
import {putResource} from '../../src/engine/store/fs/resource-store.js'

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

interface Result {
  code: number
  stdout: Buffer
  stderr: string
  json: any
}

/** Async spawn (never execFileSync), with stdin and raw stdout bytes. */
function breyta(cwd: string, args: string[], options: {stdin?: string; env?: Record<string, string>} = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {cwd, env: {...process.env, BREYTA_WORKSPACE: '', ...options.env}})
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.stdin.end(options.stdin ?? '')
    child.on('close', (code) => {
      const stdout = Buffer.concat(out)
      let json
      try {
        json = JSON.parse(stdout.toString('utf8'))
      } catch {
        json = undefined
      }
      resolve({code: code ?? 1, stdout, stderr: err, json})
    })
  })
}

describe('breyta secrets / resources', () => {
  let dir: string
  let layout: WorkspaceLayout
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-secres-'))
    initWorkspace(dir)
    layout = new WorkspaceLayout(dir)
  })
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('secrets set from stdin and --value; list shows names and sources, never values', async () => {
    const a = await breyta(dir, ['secrets', 'set', 'vm-pass', '--json'], {stdin: 'stdin-secret-value\n'})
    expect(a.code).toBe(0)
    expect(a.json).toEqual({ok: true, data: {name: 'vm-pass', source: 'file', 'overridden-by-env': false, 'env-var': 'BREYTA_SECRET_VM_PASS'}})
    const b = await breyta(dir, ['secrets', 'set', 'gh-token', '--value', 'flag-secret-value'])
    expect(b.code).toBe(0)
    expect(b.stdout.toString() + b.stderr).not.toContain('flag-secret-value')
    expect(fs.statSync(layout.secrets).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(layout.secrets, 'utf8')).toContain('"stdin-secret-value"')
    const list = await breyta(dir, ['secrets', 'list', '--json'], {env: {BREYTA_SECRET_GH_TOKEN: 'env-secret-value'}})
    expect(list.json).toEqual({
      ok: true,
      data: {
        items: [
          {name: 'gh-token', source: 'env'},
          {name: 'vm-pass', source: 'file'},
        ],
        next: null,
      },
    })
    expect(list.stdout.toString()).not.toMatch(/secret-value/)
    const human = await breyta(dir, ['secrets', 'list'])
    expect(human.stdout.toString()).toContain('vm-pass')
    expect(human.stdout.toString()).not.toMatch(/secret-value/)
  }, 120_000)

  it('secrets set rejects an empty value and a bad name with exit 2', async () => {
    expect((await breyta(dir, ['secrets', 'set', 'x', '--json'], {stdin: ''})).json.error.code).toBe('invalid_input')
    const bad = await breyta(dir, ['secrets', 'set', '../x', '--value', 'v', '--json'])
    expect(bad.code).toBe(2)
  }, 120_000)

  it('resources list/get: 5 MB binary round-trips byte-identical via --out and stdout', async () => {
    const run = ulid()
    const data = randomBytes(5 * 1024 * 1024)
    const ref = await putResource(layout, run, data, {name: 'blob.bin', contentType: 'application/octet-stream'})
    const list = await breyta(dir, ['resources', 'list', '--run', run, '--json'])
    expect(list.json.data.items).toEqual([{uri: ref.ref, size: data.length, 'content-type': 'application/octet-stream', 'created-at': expect.any(String)}])
    const out = path.join(dir, 'out.bin')
    const got = await breyta(dir, ['resources', 'get', ref.ref, '--out', out, '--json'])
    expect(got.json).toEqual({ok: true, data: {uri: ref.ref, size: data.length, 'content-type': 'application/octet-stream', path: out}})
    expect(fs.readFileSync(out).equals(data)).toBe(true)
    const raw = await breyta(dir, ['resources', 'get', ref.ref])
    expect(raw.code).toBe(0)
    expect(raw.stdout.equals(data)).toBe(true)
  }, 120_000)

  it('resources get refuses traversal and reports a missing resource with exit 3', async () => {
    const bad = await breyta(dir, ['resources', 'get', `res://${ulid()}/..%2f..%2fsecrets.edn`, '--json'])
    expect(bad.code).toBe(2)
    expect(bad.json.error.code).toBe('invalid_input')
    expect(bad.stdout.toString()).not.toContain('secret-value')
    const missing = await breyta(dir, ['resources', 'get', `res://${ulid()}/nothing`, '--json'])
    expect(missing.code).toBe(3)
    expect(missing.json.error.code).toBe('resource_not_found')
  }, 120_000)
})
