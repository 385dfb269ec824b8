/**
 * Exclusive file locks (per run, per flow queue, the daemon). The lock file holds the owner's
 * pid; a lock whose owner process is gone is stale and may be taken over at once, so `runs
 * resume` works right after a kill -9. Taking over goes through a second O_EXCL file so two
 * processes cannot both steal the same stale lock.
 *
 * A lock is taken either by creating the file with O_EXCL or, where the caller names a
 * directory of owner files (run and queue locks), by hard-linking this thread's owner file to
 * the lock's name: link(2) fails with EEXIST just as O_EXCL does, and the lock reads the same.
 * Why: creating an inode is the dearest thing a run does on ext4 without a journal (this
 * machine): find_inode_bit checks each free inode for a recent delete (`recently_deleted`), so
 * a create cost 690–770 µs of system CPU, measured, while a link or unlink cost 5–8 µs. A lock
 * created and removed per advance was a fifth of a daemon's CPU under workload C (issue 18),
 * and every unlink made the next creates dearer still.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {threadId} from 'node:worker_threads'
import {pidAlive} from '../../shared/pid.js'

export interface LockOwner {
  pid: number
  host: string
  at: string
  purpose?: string
}

export interface Lock {
  file: string
  release(): void
}

export {pidAlive} from '../../shared/pid.js'

export function readLockOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

/** True when the lock file exists and its owner is alive (on this host). */
export function isLockHeld(file: string): boolean {
  const owner = readLockOwner(file)
  if (owner === undefined) return fs.existsSync(file)
  return owner.host !== HOST || pidAlive(owner.pid)
}

const HOST = os.hostname()

/**
 * This thread's owner files in one directory (one per purpose, `PID-THREAD-RANDOM@HOST.lock`),
 * each linked in as the locks this thread takes. Removed when the thread exits; the files of
 * processes that died are removed by the next process that makes one. A stale lock keeps its
 * inode alive after that, so it still names its dead owner.
 */
export class LockOwners {
  private readonly files = new Map<string, string>()
  /** False once a link failed for a reason other than a held lock (no hard links here): O_EXCL from then on. */
  private linkable = true
  private swept = false

  private constructor(readonly dir: string) {}

  private static readonly byDir = new Map<string, LockOwners>()

  /** One per directory and thread (module state is per thread). */
  static in(dir: string): LockOwners {
    let owners = LockOwners.byDir.get(dir)
    if (!owners) {
      LockOwners.byDir.set(dir, (owners = new LockOwners(dir)))
      if (LockOwners.byDir.size === 1) process.once('exit', () => LockOwners.removeAll())
    }
    return owners
  }

  private static removeAll(): void {
    for (const owners of LockOwners.byDir.values()) for (const f of owners.files.values()) fs.rmSync(f, {force: true})
  }

  /** Link `file` to the owner file: true when taken, false when held, undefined when links do not work here. */
  tryLink(file: string, purpose: string | undefined): boolean | undefined {
    if (!this.linkable) return undefined
    for (let attempt = 0; attempt < 2; attempt++) {
      const owner = this.ownerFile(purpose)
      try {
        fs.linkSync(owner, file)
        return true
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EEXIST') return false
        const ownerGone = code === 'ENOENT' && !fs.existsSync(owner)
        // Too many links to one inode, or the owner file was removed: a fresh owner file.
        if (code === 'EMLINK' || ownerGone) {
          this.files.delete(purpose ?? '')
          continue
        }
        // The lock's directory is missing: the caller hears it as it would from O_EXCL.
        if (code === 'ENOENT') throw err
        // EXDEV, EPERM, ENOTSUP: a file system (or a directory on another one) without hard links.
        this.linkable = false
        return undefined
      }
    }
    return undefined
  }

  private ownerFile(purpose: string | undefined): string {
    const known = this.files.get(purpose ?? '')
    if (known) return known
    this.sweepDead()
    const file = path.join(this.dir, `${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}@${HOST}.lock`)
    const owner: LockOwner = {pid: process.pid, host: HOST, at: new Date().toISOString(), purpose}
    fs.mkdirSync(this.dir, {recursive: true})
    // A new inode every time: a dead process's locks may still link its old one.
    fs.writeFileSync(file, JSON.stringify(owner), {flag: 'wx'})
    this.files.set(purpose ?? '', file)
    return file
  }

  /** Once per thread: remove the owner files of this host's processes that are gone. */
  private sweepDead(): void {
    if (this.swept) return
    this.swept = true
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch {
      return
    }
    const dead = new Map<number, boolean>()
    for (const name of names) {
      const pid = parseInt(name, 10)
      if (name.slice(name.lastIndexOf('@') + 1) !== `${HOST}.lock` || !Number.isInteger(pid) || pid === process.pid) continue
      if (!dead.has(pid)) dead.set(pid, !pidAlive(pid))
      if (dead.get(pid)) fs.rmSync(path.join(this.dir, name), {force: true})
    }
  }
}

function tryCreate(file: string, purpose?: string, owners?: LockOwners): boolean {
  const linked = owners?.tryLink(file, purpose)
  if (linked !== undefined) return linked
  try {
    const fd = fs.openSync(file, 'wx')
    const owner: LockOwner = {pid: process.pid, host: HOST, at: new Date().toISOString(), purpose}
    fs.writeSync(fd, JSON.stringify(owner))
    fs.closeSync(fd)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

function isStale(file: string): boolean {
  const owner = readLockOwner(file)
  if (owner === undefined) {
    // Created but not yet written, or torn: stale only if old.
    try {
      return Date.now() - fs.statSync(file).mtimeMs > 5000
    } catch {
      return false
    }
  }
  return owner.host === HOST && !pidAlive(owner.pid)
}

function trySteal(file: string, purpose?: string, owners?: LockOwners): boolean {
  const guard = file + '.steal'
  try {
    if (Date.now() - fs.statSync(guard).mtimeMs > 5000) fs.rmSync(guard, {force: true})
  } catch {
    // no guard left behind
  }
  if (!tryCreate(guard)) return false
  try {
    if (!isStale(file)) return false
    fs.rmSync(file, {force: true})
    return tryCreate(file, purpose, owners)
  } finally {
    fs.rmSync(guard, {force: true})
  }
}

/** Take the lock now or return undefined; by a link to an owner file in `owners` when given. */
export function tryLock(file: string, purpose?: string, owners?: LockOwners): Lock | undefined {
  if (!tryCreate(file, purpose, owners) && !(isStale(file) && trySteal(file, purpose, owners))) return undefined
  let released = false
  return {
    file,
    release() {
      if (released) return
      released = true
      const owner = readLockOwner(file)
      try {
        if (owner?.pid === process.pid) fs.unlinkSync(file)
      } catch {
        // Gone already, or a disk gone read-only: the file stays, and is stale once this process exits.
      }
    },
  }
}

/** Wait for the lock (polling with a little jitter), up to timeoutMs. */
export async function lock(file: string, options: {timeoutMs?: number; purpose?: string; owners?: LockOwners} = {}): Promise<Lock | undefined> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  let delay = 2
  for (;;) {
    const l = tryLock(file, options.purpose, options.owners)
    if (l) return l
    if (Date.now() >= deadline) return undefined
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay))
    delay = Math.min(delay * 2, 50)
  }
}
