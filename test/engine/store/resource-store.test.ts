import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {ulid} from 'ulid'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {getResource, listResources, putResource, resolveResourceUri} from '../../../src/engine/store/fs/resource-store.js'

let root: string
let layout: WorkspaceLayout
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'breyta-res-'))
  layout = new WorkspaceLayout(root)
  await mkdir(layout.dir)
  // Things an attacker would like to read through a crafted URI.
  await writeFile(layout.secrets, '{:k "secret-value"}\n')
  await writeFile(path.join(root, 'outside.txt'), 'outside')
})
afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

describe('resource store', () => {
  it('stores binary data byte-identical with its content type, under resources/<run>/<name>', async () => {
    const run = ulid()
    const data = randomBytes(100_000)
    const ref = await putResource(layout, run, data, {name: 'blob.bin', contentType: 'application/x-test'})
    expect(ref).toEqual({ref: `res://${run}/blob.bin`, size: 100_000, contentType: 'application/x-test'})
    const got = await getResource(layout, ref.ref)
    expect(got.data.equals(data)).toBe(true)
    expect(got.contentType).toBe('application/x-test')
    expect(got.path).toBe(path.join(layout.resourcesDir, run, 'blob.bin'))
    const text = await putResource(layout, run, 'héllo')
    expect(text.contentType).toBe('text/plain; charset=utf-8')
    expect(text.size).toBe(6)
  })

  it('lists resources newest run first, filtered by run', async () => {
    const a = ulid()
    await new Promise((r) => setTimeout(r, 2))
    const b = ulid()
    await putResource(layout, a, 'one', {name: 'one'})
    await putResource(layout, b, 'two', {name: 'two'})
    const all = await listResources(layout)
    expect(all.map((r) => r.uri)).toEqual([`res://${b}/two`, `res://${a}/one`])
    expect(all[0]).toMatchObject({size: 3, 'content-type': 'text/plain; charset=utf-8'})
    expect(typeof all[0]!['created-at']).toBe('string')
    expect((await listResources(layout, {runId: a})).map((r) => r.uri)).toEqual([`res://${a}/one`])
    expect(await listResources(layout, {runId: ulid()})).toEqual([])
  })

  it('refuses URIs that would leave resources/', async () => {
    const run = ulid()
    await putResource(layout, run, 'ok', {name: 'ok'})
    const bad = [
      `res://${run}/../../secrets.edn`,
      `res://../secrets.edn`,
      `res://${run}/..`,
      `res://${run}/%2e%2e/%2e%2e/secrets.edn`,
      `res://${run}/%2e%2e%2f%2e%2e%2fsecrets.edn`,
      `res://${run}/%2E%2E`,
      `res:///etc/passwd`,
      `res://${run}//etc/passwd`,
      `res://${run}/..%5c..%5csecrets.edn`,
      `res://${run}/.meta`,
      `res://${run}/ok%00`,
      `/etc/passwd`,
      `file:///etc/passwd`,
      `res://${run}/%zz`,
    ]
    for (const uri of bad) {
      const err = await getResource(layout, uri).catch((e: {code?: string}) => e)
      expect(['invalid_input', 'resource_not_found'], uri).toContain((err as {code?: string}).code)
    }
    expect(() => resolveResourceUri(layout, `res://${run}/a/b`)).toThrow(expect.objectContaining({code: 'invalid_input'}))
  })

  it('refuses symlinks, including a symlinked run directory', async () => {
    const run = ulid()
    await putResource(layout, run, 'ok', {name: 'ok'})
    await symlink(layout.secrets, path.join(layout.resourcesDir, run, 'link'))
    await expect(getResource(layout, `res://${run}/link`)).rejects.toMatchObject({code: 'resource_not_found'})
    const other = ulid()
    await symlink(root, path.join(layout.resourcesDir, other))
    await expect(getResource(layout, `res://${other}/outside.txt`)).rejects.toMatchObject({code: 'resource_not_found'})
  })

  it('an unknown resource is resource_not_found', async () => {
    await expect(getResource(layout, `res://${ulid()}/nothing`)).rejects.toMatchObject({code: 'resource_not_found'})
  })
})
