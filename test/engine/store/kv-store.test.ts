import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {openKvStore, type KvStore} from '../../../src/engine/store/fs/kv-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const worker = path.join(repo, 'test/helpers/kv-incr-worker.ts')

let root: string
let layout: WorkspaceLayout
let stores: KvStore[]

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-kv-'))
  layout = new WorkspaceLayout(root)
  stores = []
})
afterEach(() => {
  for (const s of stores) s.close()
  fs.rmSync(root, {recursive: true, force: true})
})

function open(now?: () => number): KvStore {
  const s = openKvStore(layout, now === undefined ? {} : {now})
  stores.push(s)
  return s
}

/** Start a worker; resolves once it has opened the store and waits for "go". */
function startWorker(ns: string, key: string, n: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, root, ns, key, String(n)], {cwd: repo, stdio: ['pipe', 'pipe', 'inherit']})
  let out = ''
  const lines: ((line: string) => void)[] = []
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => {
    out += d
    let i: number
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i)
      out = out.slice(i + 1)
      lines.shift()?.(line)
    }
  })
  const next = () => new Promise<string>((resolve) => lines.push(resolve))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {child, ready: next(), done: next(), exited}
}

describe('kv store (SQLite WAL under .breyta/kv/)', () => {
  it('two node processes doing 500 incr each on one key end at exactly 1000', async () => {
    const a = startWorker('race', 'counter', 500)
    const b = startWorker('race', 'counter', 500)
    expect(await a.ready).toBe('ready')
    expect(await b.ready).toBe('ready')
    const t0 = performance.now()
    a.child.stdin.end('go\n')
    b.child.stdin.end('go\n')
    const [da, db] = await Promise.all([a.done, b.done])
    const wall = performance.now() - t0
    expect(await a.exited).toBe(0)
    expect(await b.exited).toBe(0)
    expect(await open().get('race', 'counter')).toBe(1000)
    console.log(`kv race: 2 × 500 incr; per process ${da.slice(5)} ms and ${db.slice(5)} ms; ${wall.toFixed(0)} ms wall`)
    expect(fs.existsSync(path.join(layout.kvDir, 'kv.db'))).toBe(true)
  }, 60_000)

  it('round-trips EDN values exactly (keywords, sets, maps, bigints)', async () => {
    const s = open()
    const value = emap({
      status: kw('ok'),
      tags: new Set(['a', kw('b')]),
      big: 12345678901234567890n,
      at: new Date('2025-01-01T00:00:00Z'),
      list: [1, 'two', null],
    })
    await s.set('ns', 'v', value)
    expect(await open().get('ns', 'v')).toEqual(value)
    const entry = await s.entry('ns', 'v')
    expect(entry).toMatchObject({key: 'v', namespace: 'ns', expiresAt: null})
  })

  it('expired keys read as absent, are skipped by list, and incr restarts them', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z')
    const s = open(() => now)
    await s.set('ns', 'short', 'x', {ttlMs: 1000})
    await s.set('ns', 'long', 'y')
    expect(await s.entry('ns', 'short')).toEqual({key: 'short', namespace: 'ns', value: 'x', expiresAt: '2025-01-01T00:00:01.000Z'})
    now += 999
    expect(await s.get('ns', 'short')).toBe('x')
    now += 1
    expect(await s.get('ns', 'short')).toBeNull()
    expect((await s.list('ns')).map((e) => e.key)).toEqual(['long'])
    expect(await s.delete('ns', 'short')).toBe(false)
    // incr with a ttl sets the window on creation and keeps it on later incrs.
    expect(await s.incr('ns', 'window', 1, {ttlMs: 5000})).toBe(1)
    now += 4000
    expect(await s.incr('ns', 'window', 1, {ttlMs: 5000})).toBe(2)
    now += 1000
    expect(await s.get('ns', 'window')).toBeNull()
    expect(await s.incr('ns', 'window', 1, {ttlMs: 5000})).toBe(1)
    // A plain set clears any expiry.
    await s.set('ns', 'window', 10)
    now += 100_000
    expect(await s.get('ns', 'window')).toBe(10)
  })

  it('keeps namespaces apart and lists by prefix in key order', async () => {
    const s = open()
    await s.set('flow-a', 'user:1', 1)
    await s.set('flow-a', 'user:2', 2)
    await s.set('flow-a', 'user%x', 3)
    await s.set('flow-a', 'other', 4)
    await s.set('flow-b', 'user:1', 'b')
    expect(await s.get('flow-b', 'user:1')).toBe('b')
    expect(await s.get('flow-a', 'user:1')).toBe(1)
    expect((await s.list('flow-a', {prefix: 'user:'})).map((e) => e.key)).toEqual(['user:1', 'user:2'])
    expect((await s.list('flow-a', {prefix: 'user%'})).map((e) => e.key)).toEqual(['user%x'])
    expect((await s.list('flow-a', {limit: 2})).map((e) => e.key)).toEqual(['other', 'user%x'])
    expect((await s.list('flow-a', {after: 'user%x'})).map((e) => e.key)).toEqual(['user:1', 'user:2'])
    expect(await s.namespaces()).toEqual(['flow-a', 'flow-b'])
    expect(await s.delete('flow-a', 'other')).toBe(true)
    expect(await s.get('flow-a', 'other')).toBeNull()
  })

  it('refuses incr of a non-number with invalid_input', async () => {
    const s = open()
    await s.set('ns', 'name', 'alice')
    await expect(s.incr('ns', 'name')).rejects.toMatchObject({code: 'invalid_input'})
    expect(await s.incr('ns', 'n', 2.5)).toBe(2.5)
  })

  it('does not create the database until first use', () => {
    open()
    expect(fs.existsSync(layout.kvDir)).toBe(false)
  })
})
