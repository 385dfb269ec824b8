/**
 * Exclusive file locks (per run, per flow queue, the daemon). The lock file is created with
 * O_EXCL and holds the owner's pid; a lock whose owner process is gone is stale and may be
 * taken over at once, so `runs resume` works right after a kill -9. Taking over goes through
 * a second O_EXCL file so two processes cannot both steal the same stale lock.
 */
import fs from 'node:fs'
import os from 'node:os'
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
  return owner.host !== os.hostname() || pidAlive(owner.pid)
}

function tryCreate(file: string, purpose?: string): boolean {
  try {
    const fd = fs.openSync(file, 'wx')
    const owner: LockOwner = {pid: process.pid, host: os.hostname(), at: new Date().toISOString(), purpose}
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
  return owner.host === os.hostname() && !pidAlive(owner.pid)
}

function trySteal(file: string, purpose?: string): boolean {
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
    return tryCreate(file, purpose)
  } finally {
    fs.rmSync(guard, {force: true})
  }
}

/** Take the lock now or return undefined. */
export function tryLock(file: string, purpose?: string): Lock | undefined {
  if (!tryCreate(file, purpose) && !(isStale(file) && trySteal(file, purpose))) return undefined
  let released = false
  return {
    file,
    release() {
      if (released) return
      released = true
      const owner = readLockOwner(file)
      try {
        if (owner?.pid === process.pid) fs.rmSync(file, {force: true})
      } catch {
        // A disk gone read-only: the file stays, and is stale once this process exits.
      }
    },
  }
}

/** Wait for the lock (polling with a little jitter), up to timeoutMs. */
export async function lock(file: string, options: {timeoutMs?: number; purpose?: string} = {}): Promise<Lock | undefined> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  let delay = 2
  for (;;) {
    const l = tryLock(file, options.purpose)
    if (l) return l
    if (Date.now() >= deadline) return undefined
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay))
    delay = Math.min(delay * 2, 50)
  }
}
