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
import {isMainThread, threadId} from 'node:worker_threads'
import {pidAlive, readProcStat} from '../../shared/pid.js'
import {readdirOrNone} from './snapshot.js'

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
 * Who this process is, for as long as it lives: its pid and start time (from /proc; a pid is
 * reused, a pid with its start time is not). Every thread of the process computes the same, so
 * they share their owner files, and a worker thread ended with terminate() (which runs no exit
 * handler) leaves none behind. Without /proc (macOS) each thread has owner files of its own.
 */
const START = readProcStat(process.pid)?.start
const PROCESS_TAG = START ? `${process.pid}-${START}` : `${process.pid}-t${threadId}-${Math.random().toString(36).slice(2, 10)}`

/** `PID-START-PURPOSE-GENERATION@HOST.lock` (or `PID-tTHREAD-RANDOM-…` without /proc). */
function ownerName(purpose: string, generation: number): string {
  return `${PROCESS_TAG}-${encodeURIComponent(purpose)}-${generation}@${HOST}.lock`
}

/**
 * This process's owner files in one directory (one per purpose), each linked in as the locks
 * it takes. Removed by the main thread when the process exits; the files of processes that are
 * gone are removed by the next process that makes one. A stale lock keeps its inode alive after
 * that, so it still names its dead owner.
 */
export class LockOwners {
  private readonly files = new Map<string, string>()
  /** Bumped when an owner file has all the links an inode may have (ext4: 65,000). */
  private generation = 0
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
      if (LockOwners.byDir.size === 1 && isMainThread) process.once('exit', () => LockOwners.removeAll())
    }
    return owners
  }

  private static removeAll(): void {
    for (const owners of LockOwners.byDir.values()) for (const f of owners.files.values()) fs.rmSync(f, {force: true})
  }

  /** Link `file` to the owner file: true when taken, false when held, undefined when links do not work here. */
  tryLink(file: string, purpose: string | undefined): boolean | undefined {
    if (!this.linkable) return undefined
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = this.ownerFile(purpose ?? 'lock')
      try {
        fs.linkSync(owner, file)
        return true
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EEXIST') return false
        if (code === 'EMLINK') this.generation++
        // Too many links to one inode, or the owner file was removed: a fresh owner file.
        if (code === 'EMLINK' || (code === 'ENOENT' && !fs.existsSync(owner))) {
          this.files.delete(purpose ?? 'lock')
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

  private ownerFile(purpose: string): string {
    const known = this.files.get(purpose)
    if (known) return known
    this.sweepDead()
    const file = path.join(this.dir, ownerName(purpose, this.generation))
    if (!fs.existsSync(file)) {
      const owner: LockOwner = {pid: process.pid, host: HOST, at: new Date().toISOString(), purpose}
      fs.mkdirSync(this.dir, {recursive: true})
      // Written whole under a name of this thread's, then linked: another thread of the process
      // may make the same file at once (EEXIST: theirs serves as well).
      const tmp = `${file}.${threadId}.tmp`
      fs.writeFileSync(tmp, JSON.stringify(owner))
      try {
        fs.linkSync(tmp, file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      } finally {
        fs.rmSync(tmp, {force: true})
      }
    }
    this.files.set(purpose, file)
    return file
  }

  /** Once per thread: remove the owner files of this host's processes that are gone (or whose pid now names another process). */
  private sweepDead(): void {
    if (this.swept) return
    this.swept = true
    const gone = new Map<string, boolean>()
    for (const name of readdirOrNone(this.dir)) {
      const [pid, start] = name.split('-')
      if (name.slice(name.lastIndexOf('@') + 1) !== `${HOST}.lock` || pid === undefined || name.startsWith(`${PROCESS_TAG}-`)) continue
      const key = `${pid}-${start}`
      if (!gone.has(key)) gone.set(key, processGone(Number(pid), start))
      if (gone.get(key)) fs.rmSync(path.join(this.dir, name), {force: true})
    }
  }
}

/** Is the process that made an owner file gone: its pid dead, or (with /proc) now another process's. */
function processGone(pid: number, start: string | undefined): boolean {
  if (!Number.isInteger(pid) || !pidAlive(pid)) return true
  if (start === undefined || start.startsWith('t')) return false
  const now = readProcStat(pid)?.start
  return now !== undefined && now !== start
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
