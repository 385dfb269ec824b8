/**
 * FsStore (store/fs/fs-store.ts) as the engine sees it, through the Store interface: the
 * guarantees a second implementation must keep too. Cross-process ones run in real processes.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {FsStore} from '../../../src/engine/store/fs/fs-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import type {UnsequencedEvent} from '../../../src/engine/journal/events.js'
import {runCreated, sha256} from '../../helpers/run-created.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const worker = path.join(repo, 'test/helpers/fs-store-worker.ts')

let root: string
let layout: WorkspaceLayout
let store: FsStore
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-fs-store-'))
  layout = new WorkspaceLayout(root)
  fs.mkdirSync(layout.runsDir, {recursive: true})
  store = new FsStore(layout)
})
afterEach(async () => {
  await store.close()
  fs.rmSync(root, {recursive: true, force: true})
})

const created = (run: string): UnsequencedEvent => runCreated(run)
const sha = sha256

/** Start workers; resolves once each has opened the store and waits for "go". */
function startWorker(...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, root, ...args], {cwd: repo, stdio: ['pipe', 'pipe', 'inherit']})
  let out = ''
  const lines: ((line: string) => void)[] = []
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => {
    out += d
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      const line = out.slice(0, i)
      out = out.slice(i + 1)
      lines.shift()?.(line)
    }
  })
  const next = () => new Promise<string>((resolve) => lines.push(resolve))
  return {child, ready: next(), done: next()}
}

async function together(workers: ReturnType<typeof startWorker>[]): Promise<unknown[]> {
  for (const w of workers) expect(await w.ready).toBe('ready')
  for (const w of workers) w.child.stdin.write('go\n')
  return Promise.all(workers.map(async (w) => JSON.parse(await w.done) as unknown))
}

describe('FsStore', () => {
  it('inbox.post: of eight processes completing the same wait at once, exactly one wins', async () => {
    const run = store.runs.newRunId()
    await store.runs.create(run, '{:slug :f}', created(run))
    const results = (await together(Array.from({length: 8}, () => startWorker('post', run, 'approve')))) as {won: boolean; pid: number}[]
    const winners = results.filter((r) => r.won)
    expect(winners).toHaveLength(1)
    expect(await store.inbox.has(run, 'approve')).toBe(true)
    expect(await store.inbox.has(run, 'other')).toBe(false)
    // The one entry is the winner's, whole.
    expect(await store.inbox.read(run)).toMatchObject([{key: 'approve', payload: {by: winners[0]!.pid}, source: 'api'}])
    expect(await store.inbox.post(run, {key: 'approve', payload: null, source: 'cli', at: new Date().toISOString()})).toBe(false)
  }, 60_000)

  it("queue.withQueue: two processes read-modify-write one flow's queue without losing an update", async () => {
    expect(await store.queue.read('solo')).toBeUndefined()
    await together([startWorker('queue', 'solo', '25'), startWorker('queue', 'solo', '25')])
    const entries = (await store.queue.read('solo'))!
    expect(entries).toHaveLength(50)
    expect(entries.map((e) => e.run)).toEqual([...entries.map((e) => e.run)].sort())
    expect(await store.queue.slugs()).toEqual(['solo'])
  }, 60_000)

  it('queue.withQueue writes nothing when the body returns no entries or throws', async () => {
    await store.queue.withQueue('q', () => ({entries: [], result: 1}))
    expect(await store.queue.read('q')).toEqual([])
    expect(await store.queue.withQueue('q', (entries) => ({result: entries}))).toEqual([])
    await expect(
      store.queue.withQueue('q', () => {
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    expect(await store.queue.read('q')).toEqual([])
    expect(await store.queue.slugs()).toEqual([])
  })

  it('leases are exclusive, name their holder, and free on release', async () => {
    const run = store.runs.newRunId()
    await store.runs.create(run, '{:slug :f}', created(run))
    const lease = (await store.leases.tryAcquire(run, 'advance'))!
    expect(lease.runId).toBe(run)
    expect(await store.leases.tryAcquire(run, 'advance')).toBeUndefined()
    expect(await store.leases.acquire(run, {timeoutMs: 50})).toBeUndefined()
    expect(await store.leases.holder(run)).toMatchObject({pid: process.pid, purpose: 'advance'})
    await lease.release()
    expect(await store.leases.holder(run)).toBeUndefined()
    const again = (await store.leases.tryAcquire(run))!
    await store.leases.dropOwn(run)
    expect(await store.leases.holder(run)).toBeUndefined()
    await again.release()
  })

  it('an inbox claim left by a claimer that let go without journaling is no decision; one whose completion is journaled stays one', async () => {
    const run = store.runs.newRunId()
    await store.runs.create(run, '{:slug :f}', created(run))
    const entry = (key: string, n: number) => ({key, payload: {n}, source: 'callback' as const, at: new Date().toISOString()})
    const lease = (await store.leases.tryAcquire(run, 'advance'))!
    expect(await store.inbox.claim(run, entry('died', 1))).toBe(true)
    expect(await store.inbox.claim(run, entry('done', 1))).toBe(true)
    const journal = await store.journals.open(lease, await store.journals.read(run))
    await journal.appendNow({type: 'wait_completed', key: 'done', payload: {n: 1}, source: 'callback', at: new Date().toISOString()} as UnsequencedEvent)
    await journal.close()
    // While the claimer holds the run, its claims stand.
    expect(await store.inbox.post(run, entry('died', 2))).toBe(false)
    await lease.release()
    expect(fs.statSync(layout.runInboxEntry(run, 'died')).size).toBe(0)
    expect(await store.inbox.post(run, entry('died', 3))).toBe(true)
    expect(await store.inbox.post(run, entry('done', 4))).toBe(false)
    expect((await store.inbox.read(run)).map((e) => [e.key, e.payload])).toEqual([['died', {n: 3}]])
  })

  it('journals: grouped appends count once durable; appendAfter cuts a torn tail first', async () => {
    const run = store.runs.newRunId()
    await store.runs.create(run, '{:slug :f}', created(run))
    const lease = (await store.leases.tryAcquire(run))!
    const journal = await store.journals.open(lease, await store.journals.read(run))
    const [started] = journal.append({type: 'run_started', at: 'a', pid: 1})
    expect(started!.seq).toBe(2)
    await journal.durable()
    const [log] = await journal.appendNow({type: 'log', at: 'b', message: 'hi'})
    expect(log!.seq).toBe(3)
    await journal.close()
    await lease.release()
    fs.appendFileSync(layout.runJournal(run), '{"seq":4,"type":"lo')
    const read = await store.journals.read(run)
    expect(read.events.map((e) => e.seq)).toEqual([1, 2, 3])
    await store.journals.appendAfter(run, read, {type: 'run_cancelled', at: 'c', reason: 'test'})
    expect((await store.runs.readView(run)).status).toBe('cancelled')
    expect((await store.journals.read(run)).events.map((e) => e.seq)).toEqual([1, 2, 3, 4])
  })

  it('a new run has no run.json until it is advanced; its snapshot is read from the journal meanwhile', async () => {
    const run = store.runs.newRunId()
    const view = await store.runs.create(run, '{:slug :f}', created(run))
    expect(fs.existsSync(layout.runSnapshot(run))).toBe(false)
    expect(await store.runs.readSnapshot(run)).toEqual(view)
    expect((await store.runs.unfinished()).map((v) => v.id)).toEqual([run])
    await store.runs.writeSnapshot({...view, status: 'running'})
    expect((await store.runs.readSnapshot(run))?.status).toBe('running')
    expect(await store.runs.readSnapshot(store.runs.newRunId())).toBeUndefined()
  })

  it('a pinned definition named by its sha256 is read once per process, without the journal', async () => {
    const text = '{:slug :f :name "pinned once"}'
    const run = store.runs.newRunId()
    await store.runs.create(run, text, {...created(run), sha256: sha(text)})
    expect(await store.runs.readPinnedFlow(run)).toBe(text)
    fs.rmSync(layout.runJournal(run))
    expect(await store.runs.readPinnedFlow(run, sha(text))).toBe(text)
    fs.rmSync(layout.pinnedFlow(sha(text)))
    expect(await store.runs.readPinnedFlow(run, sha(text))).toBe(text)
  })

  it('change notices and daemon signals are names of one blank file per directory: no inode per run', async () => {
    fs.writeFileSync(layout.daemonJson, JSON.stringify({pid: process.pid}))
    const runs = [store.runs.newRunId(), store.runs.newRunId()]
    for (const run of runs) {
      await store.runs.create(run, '{:slug :f}', created(run))
      await store.signals.signal(run)
      await store.signals.noteChanged(run)
    }
    const ino = (file: string) => fs.statSync(file).ino
    for (const run of runs) {
      expect(ino(layout.runChange(run))).toBe(ino(path.join(layout.changesDir, '.blank')))
      expect(ino(layout.runSignal(run))).toBe(ino(path.join(layout.signalsDir, '.blank')))
    }
    // A signal consumed is a name removed; the blank stays for the next.
    expect((await store.signals.pending()).sort()).toEqual([...runs].sort())
    await store.signals.clear(runs[0]!)
    expect(await store.signals.pending()).toEqual([runs[1]])
    await store.signals.signal(runs[0]!)
    expect(ino(layout.runSignal(runs[0]!))).toBe(ino(path.join(layout.signalsDir, '.blank')))
  })

  it('a cancel request is seen until it is cleared', async () => {
    const run = store.runs.newRunId()
    await store.runs.create(run, '{:slug :f}', created(run))
    expect(await store.runs.cancelRequested(run)).toBeUndefined()
    await store.runs.requestCancel(run, 'test')
    expect(await store.runs.cancelRequested(run)).toBeDefined()
    expect(await new FsStore(layout).runs.cancelRequested(run)).toBeDefined()
    await store.runs.clearCancel(run)
    expect(await store.runs.cancelRequested(run)).toBeUndefined()
  })

  it('the callback key is made once, kept out of sight (0600), and the same for every store of the workspace', async () => {
    const key = await store.callbackKey()
    expect(key).toHaveLength(32)
    expect(await new FsStore(layout).callbackKey()).toEqual(key)
    expect(fs.statSync(layout.key).mode & 0o777).toBe(0o600)
  })
})
