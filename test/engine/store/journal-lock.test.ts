import {spawn} from 'node:child_process'
import {Worker} from 'node:worker_threads'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {JournalWriter, readJournal} from '../../../src/engine/store/fs/journal.js'
import {isLockHeld, lock, LockOwners, readLockOwner, tryLock} from '../../../src/engine/store/fs/lock.js'
import {newRunId} from '../../../src/engine/store/fs/run-id.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-journal-'))
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

describe('journal', () => {
  it('appends numbered events and reads them back', () => {
    const file = path.join(dir, 'events.jsonl')
    const w = JournalWriter.open(file, 0)
    w.append({type: 'run_started', at: 'a', pid: 1}, {type: 'run_resumed', at: 'b', pid: 2})
    w.append({type: 'run_cancelled', at: 'c'})
    w.close()
    expect(readJournal(file).events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run_started'],
      [2, 'run_resumed'],
      [3, 'run_cancelled'],
    ])
  })

  it('skips a torn last line, and the next writer truncates it before appending', () => {
    const file = path.join(dir, 'events.jsonl')
    const w = JournalWriter.open(file, 0)
    w.append({type: 'run_started', at: 'a', pid: 1})
    w.close()
    fs.appendFileSync(file, '{"seq":2,"type":"step_sta')
    const read = readJournal(file)
    expect(read.events).toHaveLength(1)
    const w2 = JournalWriter.open(file, 1, read.validBytes)
    w2.append({type: 'run_cancelled', at: 'b'})
    w2.close()
    expect(readJournal(file).events.map((e) => e.seq)).toEqual([1, 2])
    expect(
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((l) => JSON.parse(l)),
    ).toBe(true)
  })

  it('a missing journal reads as empty', () => {
    expect(readJournal(path.join(dir, 'nope.jsonl'))).toEqual({events: [], validBytes: 0})
  })
})

// Both ways of taking a lock: O_EXCL create, and a hard link of the thread's owner file.
describe.each([
  {mode: 'created with O_EXCL', linked: false},
  {mode: 'linked to an owner file', linked: true},
])('locks $mode', ({linked}) => {
  const owners = () => (linked ? LockOwners.in(path.join(dir, 'owners')) : undefined)

  it('is exclusive within and across holders, and free after release', () => {
    const file = path.join(dir, 'run.lock')
    const a = tryLock(file, undefined, owners())
    expect(a).toBeDefined()
    expect(tryLock(file, undefined, owners())).toBeUndefined()
    expect(isLockHeld(file)).toBe(true)
    a!.release()
    expect(isLockHeld(file)).toBe(false)
    const b = tryLock(file, undefined, owners())
    expect(b).toBeDefined()
    b!.release()
  })

  it('takes over at once a lock whose owner process died (kill -9)', async () => {
    const file = path.join(dir, 'run.lock')
    const child = spawn(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify({pid: process.pid, host: require('os').hostname(), at: ''}), {flag: 'wx'}); setInterval(() => {}, 1000)`,
    ])
    // Wait for the owner to be written, not just the file: killed between its O_EXCL create and
    // the write, the child would leave an ownerless lock, which is rightly held for 5 s.
    const owned = () => {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')).pid === child.pid
      } catch {
        return false
      }
    }
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (owned()) {
          clearInterval(t)
          r()
        }
      }, 5)
    })
    expect(tryLock(file, undefined, owners())).toBeUndefined()
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const l = await lock(file, {timeoutMs: 2000, owners: owners()})
    expect(l).toBeDefined()
    l!.release()
  })

  it('lets exactly one of many concurrent contenders win', async () => {
    const file = path.join(dir, 'contended.lock')
    // A start barrier: every contender is up before any tries, and a winner holds the lock until
    // all have tried, so a slow starter cannot win after an early release.
    const go = path.join(dir, 'go')
    const ownersDir = linked ? JSON.stringify(path.join(dir, 'owners')) : 'undefined'
    const script = `const fs = await import('node:fs'); const {tryLock, LockOwners} = await import(${JSON.stringify(path.resolve('dist/engine/store/fs/lock.js'))});
      const ownersDir = ${ownersDir};
      fs.writeFileSync(${JSON.stringify(dir)} + '/ready-' + process.pid, '');
      while (!fs.existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 2));
      const l = tryLock(${JSON.stringify(file)}, undefined, ownersDir && LockOwners.in(ownersDir)); console.log(l ? 'won' : 'lost');
      while (!fs.existsSync(${JSON.stringify(go + '-done')})) await new Promise((r) => setTimeout(r, 2));
      l?.release()`
    const lines: string[] = []
    const exits = Array.from(
      {length: 6},
      () =>
        new Promise<string>((resolve) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', script])
          let out = ''
          c.stdout.on('data', (d) => {
            out += d
            if (out.includes('\n')) lines.push(out.trim())
          })
          c.on('exit', () => resolve(out.trim()))
        }),
    )
    while (fs.readdirSync(dir).filter((f) => f.startsWith('ready-')).length < 6) await new Promise((r) => setTimeout(r, 5))
    fs.writeFileSync(go, '')
    while (lines.length < 6) await new Promise((r) => setTimeout(r, 5))
    fs.writeFileSync(go + '-done', '')
    const results = await Promise.all(exits)
    expect(results.filter((r) => r === 'won')).toHaveLength(1)
  })
})

describe('locks as links (no new inode per lock)', () => {
  const ownersDir = () => path.join(dir, 'owners')
  const lockScript = (file: string, then: string) =>
    `const {tryLock, LockOwners} = await import(${JSON.stringify(path.resolve('dist/engine/store/fs/lock.js'))});
     const l = tryLock(${JSON.stringify(file)}, 'advance', LockOwners.in(${JSON.stringify(ownersDir())}));
     console.log(l ? 'locked' : 'held'); ${then}`
  const runChild = (script: string) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script])
    const said = new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    return {child, said, exited}
  }

  it('a lock is a second name of the thread’s owner file: the same inode, read as this process; release removes only the name', () => {
    const file = path.join(dir, 'run.lock')
    const l = tryLock(file, 'advance', LockOwners.in(ownersDir()))!
    const [owner] = fs.readdirSync(ownersDir())
    expect(owner).toMatch(new RegExp(`^${process.pid}-\\d+-advance-0@.+\\.lock$`))
    expect(fs.statSync(file).ino).toBe(fs.statSync(path.join(ownersDir(), owner!)).ino)
    expect(readLockOwner(file)).toMatchObject({pid: process.pid, host: os.hostname(), purpose: 'advance'})
    l.release()
    expect(fs.existsSync(file)).toBe(false)
    expect(fs.readdirSync(ownersDir())).toEqual([owner])
    // The next lock of this thread links the same owner file again.
    const again = tryLock(path.join(dir, 'other.lock'), 'advance', LockOwners.in(ownersDir()))!
    expect(fs.readdirSync(ownersDir())).toEqual([owner])
    again.release()
  })

  it('a process that exits removes its owner file; one killed leaves it, and the next process sweeps it and takes the stale lock', async () => {
    const file = path.join(dir, 'run.lock')
    const clean = runChild(lockScript(file, 'l.release()'))
    expect(await clean.said).toBe('locked')
    expect(await clean.exited).toBe(0)
    expect(fs.readdirSync(ownersDir())).toEqual([])

    const killed = runChild(lockScript(file, 'setInterval(() => {}, 1000)'))
    expect(await killed.said).toBe('locked')
    expect(readLockOwner(file)?.pid).toBe(killed.child.pid)
    killed.child.kill('SIGKILL')
    await killed.exited
    expect(fs.readdirSync(ownersDir())).toHaveLength(1)

    const taken = tryLock(file, 'advance', LockOwners.in(ownersDir()))
    expect(taken).toBeDefined()
    expect(readLockOwner(file)?.pid).toBe(process.pid)
    expect(fs.readdirSync(ownersDir()).every((n) => n.startsWith(`${process.pid}-`))).toBe(true)
    taken!.release()
  })

  it('the threads of a process share its owner file, so a worker ended with terminate() leaves none behind', async () => {
    const main = tryLock(path.join(dir, 'a.lock'), 'advance', LockOwners.in(ownersDir()))!
    const worker = new Worker(
      `const {parentPort, workerData} = require('node:worker_threads');
       import(workerData.lockJs).then(({tryLock, LockOwners}) => {
         const l = tryLock(workerData.file, 'advance', LockOwners.in(workerData.owners));
         parentPort.postMessage(l ? 'locked' : 'held');
       })`,
      {eval: true, workerData: {lockJs: path.resolve('dist/engine/store/fs/lock.js'), file: path.join(dir, 'b.lock'), owners: ownersDir()}},
    )
    expect(await new Promise((r) => worker.once('message', r))).toBe('locked')
    await worker.terminate()
    const [owner] = fs.readdirSync(ownersDir())
    expect(fs.readdirSync(ownersDir())).toHaveLength(1)
    expect(fs.statSync(path.join(dir, 'b.lock')).ino).toBe(fs.statSync(path.join(ownersDir(), owner!)).ino)
    main.release()
  })

  it('where links cannot be made (owner files on another file system), locks are created with O_EXCL', (ctx) => {
    const shm = '/dev/shm'
    if (!fs.existsSync(shm) || fs.statSync(shm).dev === fs.statSync(dir).dev) return ctx.skip()
    const other = fs.mkdtempSync(path.join(shm, 'breyta-owners-'))
    try {
      const file = path.join(dir, 'run.lock')
      const owners = LockOwners.in(other)
      const l = tryLock(file, 'advance', owners)
      expect(l).toBeDefined()
      expect(fs.statSync(file).nlink).toBe(1)
      expect(readLockOwner(file)?.pid).toBe(process.pid)
      expect(tryLock(file, 'advance', owners)).toBeUndefined()
      l!.release()
      expect(fs.existsSync(file)).toBe(false)
    } finally {
      fs.rmSync(other, {recursive: true, force: true})
    }
  })
})

describe('run ids', () => {
  it('sort by creation time, also within one millisecond', () => {
    const ids = Array.from({length: 50}, () => newRunId(1_700_000_000_000))
    expect([...ids].sort()).toEqual(ids)
    expect(newRunId(1_700_000_000_001) > ids.at(-1)!).toBe(true)
  })
})
