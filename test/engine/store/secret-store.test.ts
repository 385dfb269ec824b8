import {mkdtemp, readFile, rm, stat, writeFile, mkdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {listSecretNames, readSecrets, resolveSecret, secretEnvName, setSecret} from '../../../src/engine/store/fs/secret-store.js'

let root: string
let layout: WorkspaceLayout
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'breyta-secrets-'))
  layout = new WorkspaceLayout(root)
  await mkdir(layout.dir)
})
afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

describe('secret store', () => {
  it('maps names to env variables the SPEC way', () => {
    expect(secretEnvName('gh-token')).toBe('BREYTA_SECRET_GH_TOKEN')
    expect(secretEnvName('vm_key')).toBe('BREYTA_SECRET_VM_KEY')
  })

  it('writes secrets.edn with mode 0600, deterministically, and reads values back', async () => {
    await setSecret(layout, 'vm-pass', 'hunter2 "quoted"\nline')
    await setSecret(layout, 'gh-token', 'ghp_abc')
    expect((await stat(layout.secrets)).mode & 0o777).toBe(0o600)
    const text = await readFile(layout.secrets, 'utf8')
    expect(text).toBe('{:gh-token "ghp_abc"\n :vm-pass "hunter2 \\"quoted\\"\\nline"}\n')
    expect(await readSecrets(layout)).toEqual({'gh-token': 'ghp_abc', 'vm-pass': 'hunter2 "quoted"\nline'})
    await setSecret(layout, 'gh-token', 'ghp_abc')
    expect(await readFile(layout.secrets, 'utf8')).toBe(text)
  })

  it('keeps mode 0600 even when the existing file was world-readable', async () => {
    await writeFile(layout.secrets, '{:a "b"}\n', {mode: 0o644})
    await setSecret(layout, 'c', 'dddd')
    expect((await stat(layout.secrets)).mode & 0o777).toBe(0o600)
  })

  it('resolves env BREYTA_SECRET_<NAME> before the file', async () => {
    await setSecret(layout, 'gh-token', 'from-file')
    expect(await resolveSecret(layout, 'gh-token', {})).toBe('from-file')
    expect(await resolveSecret(layout, 'gh-token', {BREYTA_SECRET_GH_TOKEN: 'from-env'})).toBe('from-env')
    expect(await resolveSecret(layout, 'missing', {})).toBeUndefined()
  })

  it('lists names and sources, never values', async () => {
    await setSecret(layout, 'gh-token', 'sekret-file-value')
    await setSecret(layout, 'vm-pass', 'other-value')
    const list = await listSecretNames(layout, {BREYTA_SECRET_GH_TOKEN: 'x', BREYTA_SECRET_OPENAI_KEY: 'y', PATH: '/bin'})
    expect(list).toEqual([
      {name: 'gh-token', source: 'env'},
      {name: 'openai-key', source: 'env'},
      {name: 'vm-pass', source: 'file'},
    ])
    expect(JSON.stringify(list)).not.toContain('value')
  })

  it('a missing file is no secrets; concurrent sets lose nothing', async () => {
    expect(await readSecrets(layout)).toEqual({})
    await Promise.all(Array.from({length: 10}, (_, i) => setSecret(layout, `s${i}`, `value-${i}`)))
    expect(Object.keys(await readSecrets(layout))).toHaveLength(10)
  })

  it('rejects bad names and malformed files without echoing their content', async () => {
    await expect(setSecret(layout, '../x', 'v')).rejects.toMatchObject({code: 'invalid_input'})
    await writeFile(layout.secrets, '{:a "top-secret-value"', {mode: 0o600})
    const err = await readSecrets(layout).catch((e: Error) => e)
    expect(err).toMatchObject({code: 'invalid_input'})
    expect((err as Error).message).not.toContain('top-secret-value')
  })
})
