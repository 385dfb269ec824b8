/** Atomic whole-file writes: temp file, fsync, rename (write-file-atomic). */
import fs from 'node:fs'
import path from 'node:path'
import type WriteFileAtomic from 'write-file-atomic'
import {lazyRequire} from '../../lazy.js'

const writeFileAtomic = lazyRequire<typeof WriteFileAtomic>('write-file-atomic')

/**
 * Make a directory's entries durable: a new file, a rename or a link is only in the directory,
 * and without this a power loss can undo it even though the file's own data was fsync'd.
 */
export function fsyncDir(dir: string): void {
  let fd: number
  try {
    fd = fs.openSync(dir, 'r')
  } catch {
    return // nothing to sync (gone, or a platform that cannot open directories)
  }
  try {
    fs.fsyncSync(fd)
  } catch (err) {
    // EINVAL/EISDIR: the platform cannot fsync a directory; nothing more to do there.
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw err
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * fsyncDir with the flush on libuv's pool: the thread serves other runs while the disk flushes.
 * The open stays synchronous (a cached directory entry, no disk wait): one hop, not two.
 */
export async function fsyncDirAsync(dir: string): Promise<void> {
  let fd: number
  try {
    fd = fs.openSync(dir, 'r')
  } catch {
    return // as fsyncDir: nothing to sync
  }
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw err
  } finally {
    fs.closeSync(fd)
  }
}

interface DirFlush {
  running: boolean
  waiting: {resolve: () => void; reject: (err: unknown) => void}[]
}

const dirFlushes = new Map<string, DirFlush>()

/**
 * fsyncDirAsync shared by concurrent callers (group commit for a directory's entries, e.g. the
 * `runs/` entries of runs created at once): each caller is answered by a flush that started
 * after it asked, so its entry is covered; callers that ask while one runs share the next.
 */
export function fsyncDirGrouped(dir: string): Promise<void> {
  let f = dirFlushes.get(dir)
  if (!f) dirFlushes.set(dir, (f = {running: false, waiting: []}))
  const flush = f
  return new Promise<void>((resolve, reject) => {
    flush.waiting.push({resolve, reject})
    if (flush.running) return
    flush.running = true
    // Started after this tick's synchronous work: callers asking in the same tick share it.
    queueMicrotask(() => startDirFlush(dir, flush))
  })
}

function startDirFlush(dir: string, f: DirFlush): void {
  const batch = f.waiting.splice(0)
  fsyncDirAsync(dir).then(
    () => settle(dir, f, batch, undefined),
    (err: unknown) => settle(dir, f, batch, err ?? new Error('fsync failed')),
  )
}

function settle(dir: string, f: DirFlush, batch: DirFlush['waiting'], err: unknown): void {
  for (const w of batch) {
    if (err === undefined) w.resolve()
    else w.reject(err)
  }
  // Who asked meanwhile gets the next flush, started now; otherwise the directory is idle.
  if (f.waiting.length > 0) return startDirFlush(dir, f)
  f.running = false
  dirFlushes.delete(dir)
}

export function writeSnapshot(file: string, data: unknown): void {
  writeFileAtomic().sync(file, JSON.stringify(data, null, 2) + '\n', {fsync: true})
  fsyncDir(path.dirname(file))
}

let derivedSeq = 0

/** open(2) flags to rewrite a file that must exist already (no create: no new inode). */
export const REWRITE = fs.constants.O_WRONLY | fs.constants.O_TRUNC

/**
 * Remove `file` if it is there. Looked for first: most callers find nothing, and rmSync's
 * missing-file path costs ~6 µs (an lstat and an error) where a look costs under 1.
 */
export function removeIfThere(file: string): void {
  if (fs.existsSync(file)) fs.rmSync(file, {force: true})
}

/** The names in `dir`, or none when it cannot be read (missing, gone meanwhile). */
export function readdirOrNone(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

/**
 * A run made from a spare directory (spare-runs.ts) has an empty `run.json.spare`: its first
 * snapshot is written into it and renamed into place, with no new inode. False when there is
 * none (every later snapshot, and runs made without a spare).
 */
function writeIntoSpare(file: string, text: string): boolean {
  const spare = `${file}.spare`
  // Looked for first: most writes find none, and a failed open costs an Error (~5 µs).
  if (!fs.existsSync(spare)) return false
  let fd: number
  try {
    fd = fs.openSync(spare, REWRITE)
  } catch {
    return false
  }
  try {
    fs.writeFileSync(fd, text)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(spare, file)
  return true
}

/**
 * Atomic but not fsync'd: for files derived from a journal (run.json), which the journal can
 * always rebuild. A process crash cannot tear it (rename is atomic and the page cache
 * survives); only a power loss could leave it stale or empty, and readers fall back to the
 * journal then. Measured on this ext4 disk: 0.15 ms against 2.0 ms for write-file-atomic with
 * fsync, which was the largest cost of a short run in the daemon.
 */
export function writeDerivedSnapshot(file: string, data: unknown): void {
  const text = JSON.stringify(data, null, 2) + '\n'
  if (writeIntoSpare(file, text)) return
  const tmp = `${file}.${process.pid}.${++derivedSeq}.tmp`
  try {
    fs.writeFileSync(tmp, text)
    fs.renameSync(tmp, file)
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    throw err
  }
}

export function writeTextAtomic(file: string, text: string, mode?: number): void {
  writeFileAtomic().sync(file, text, mode === undefined ? {fsync: true} : {fsync: true, mode})
  fsyncDir(path.dirname(file))
}

/**
 * `file`'s text, or undefined when there is no such file (also one gone between the look and the
 * read). Looked for before it is opened: the files read this way are often missing (the queue
 * index of a flow without a concurrency limit, read as each of its runs ends; a run's run.json
 * before its first advance; a run's own flow.edn, which only runs pinned before pinned/ have),
 * and a thrown ENOENT cost ~15–30 µs of a daemon thread per run under load, a look ~2 µs.
 */
export function readTextIfThere(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export function readJsonFile<T>(file: string): T | undefined {
  const text = readTextIfThere(file)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as T
  } catch (err) {
    if (err instanceof SyntaxError) return undefined
    throw err
  }
}
