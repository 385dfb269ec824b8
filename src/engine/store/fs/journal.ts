/**
 * The run journal: `events.jsonl`, one JSON event per line, appended and fsync'd before the
 * run moves on. It is the source of truth; run.json is derived from it.
 *
 * Integrity: an append writes every byte or throws (`storage_error` when the disk refuses),
 * and a failed append is cut back off the file so no half event stays behind. A torn LAST line
 * (a writer died mid-write) is skipped on read and truncated away on the next open; that is
 * the only repair. A malformed line with good lines after it is damage, not a torn write:
 * reading throws `journal_corrupt` naming the file and line, and nothing is truncated.
 *
 * Group commit (`appendGrouped` + `durable`): the bytes are written at once, and the flush is an
 * `fdatasync` on libuv's thread pool, so the thread goes on with other runs meanwhile (a
 * synchronous fdatasync held the daemon's one thread for the whole flush: 0.69 cores used
 * under load, issue 18). One flush per file is in flight at a time; appends made while it runs
 * share the next one, which starts as soon as it ends. Every file's flush runs in parallel
 * with the others'. A caller acts on its events (runs the next step, reports them) only once
 * `durable()` has resolved.
 */
import fs from 'node:fs'
import {BreytaError, isStorageErrno, storageError} from '../../errors.js'
import {codeEvent, kebabEvent} from '../../journal/casing.js'
import type {JournalEvent, UnsequencedEvent} from '../../journal/events.js'

export {kebabEvent} from '../../journal/casing.js'

/** Write all of `buf` at the end of `fd` (writeSync may write fewer bytes than asked). */
export function writeFully(fd: number, buf: Buffer): void {
  let off = 0
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, buf.length - off)
    if (n <= 0) throw Object.assign(new Error('write made no progress'), {code: 'ENOSPC'})
    off += n
  }
}

/**
 * Writers open in this thread. With one alone (a single run, a CLI), durable() flushes
 * synchronously: nothing else could use the thread meanwhile, and the hop to the thread pool
 * and back cost ~0.4 ms a step on the loaded 2-core machine (A: 0.95 against 0.56 ms/step).
 */
let openWriters = 0

/** False in a thread that also serves requests (the daemon's main thread): see flushOffThread. */
let syncWhenAlone = true

/**
 * Never flush synchronously in this thread, even with one writer open: a thread that serves
 * HTTP (the daemon's) would stop answering every other client for the whole fdatasync, and a
 * daemon worker with more runs handed to it would flush them one after another instead of
 * together. `on = false` allows it again (a worker with one run left).
 */
export function flushOffThread(on = true): void {
  syncWhenAlone = !on
}

interface DurableWaiter {
  upTo: number
  resolve: () => void
  reject: (err: unknown) => void
}

export class JournalWriter {
  private fd: number
  private seq: number
  /** Bytes in the file after the last append that went through. */
  private size: number
  /** Bytes known to be on disk (flushed by a grouped flush or a synchronous append). */
  private syncedTo: number
  /** Bytes that must reach the disk before `durable()` resolves (ends of grouped appends). */
  private mustSync: number
  private flushing = false
  private closeWhenFlushed = false
  private failed: unknown
  private waiters: DurableWaiter[] = []
  private redact: (e: UnsequencedEvent) => UnsequencedEvent = (e) => e

  private constructor(
    readonly file: string,
    fd: number,
    seq: number,
    size: number,
  ) {
    this.fd = fd
    this.seq = seq
    this.size = size
    this.syncedTo = size
    this.mustSync = size
  }

  /** Open for appending; repairs a torn tail so the next line starts clean. */
  static open(file: string, lastSeq: number, validBytes?: number, runId?: string): JournalWriter {
    try {
      let size = fs.existsSync(file) ? fs.statSync(file).size : 0
      if (validBytes !== undefined && size > validBytes) {
        fs.truncateSync(file, validBytes)
        size = validBytes
      }
      const fd = fs.openSync(file, 'a')
      openWriters++
      return new JournalWriter(file, fd, lastSeq, size)
    } catch (err) {
      throw isStorageErrno(err) ? storageError(err, runId) : err
    }
  }

  /** Pass every event through `fn` (secret redaction) on its way to disk; the written form is returned. */
  redactWith(fn: (e: UnsequencedEvent) => UnsequencedEvent): this {
    this.redact = fn
    return this
  }

  get lastSeq(): number {
    return this.seq
  }

  /** Append events (one write, one fdatasync) and return them with their sequence numbers. */
  append(...events: UnsequencedEvent[]): JournalEvent[] {
    return this.write(events, true)
  }

  /**
   * Append without waiting for the disk. Only for records whose loss is harmless because a
   * synced append follows before the run moves on (the start of a pure step).
   */
  appendUnsynced(...events: UnsequencedEvent[]): JournalEvent[] {
    return this.write(events, false)
  }

  /**
   * Append (one write), flushed off the thread from the next `durable()`; act on the events only after
   * `durable()` resolves. A failed flush fails every later append and `durable()` of this writer.
   */
  appendGrouped(...events: UnsequencedEvent[]): JournalEvent[] {
    const written = this.write(events, false)
    this.mustSync = this.size
    // The flush starts at the next durable(), so back-to-back appends (a step's completion and
    // the run's end) share one fdatasync.
    return written
  }

  /** Resolves once every grouped append so far is on disk; rejects with `storage_error` if a flush failed. */
  durable(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed)
    if (this.syncedTo >= this.mustSync) return Promise.resolve()
    if (syncWhenAlone && openWriters === 1 && !this.flushing) {
      try {
        fs.fdatasyncSync(this.fd)
        this.syncedTo = this.size
        return Promise.resolve()
      } catch (err) {
        this.fail(err)
        return Promise.reject(this.failed)
      }
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({upTo: this.mustSync, resolve, reject})
      this.flush()
    })
  }

  private flush(): void {
    if (this.flushing || this.failed || this.syncedTo >= this.size) return
    this.flushing = true
    const upTo = this.size
    fs.fdatasync(this.fd, (err) => {
      this.flushing = false
      if (err) {
        this.fail(err)
      } else {
        this.syncedTo = Math.max(this.syncedTo, upTo)
        const ready = this.waiters.filter((w) => w.upTo <= this.syncedTo)
        this.waiters = this.waiters.filter((w) => w.upTo > this.syncedTo)
        for (const w of ready) w.resolve()
        if (this.syncedTo < this.mustSync || this.waiters.length > 0) return this.flush()
      }
      if (this.closeWhenFlushed) this.closeNow()
    })
  }

  /** A flush failed: what it covered may or may not be on disk, so cut it off and refuse to go on. */
  private fail(err: unknown): void {
    try {
      fs.ftruncateSync(this.fd, this.syncedTo)
      this.size = this.syncedTo
    } catch {
      // left for the next open's repair
    }
    this.failed = isStorageErrno(err) ? storageError(err) : err
    for (const w of this.waiters.splice(0)) w.reject(this.failed)
  }

  private write(events: UnsequencedEvent[], sync: boolean): JournalEvent[] {
    if (this.failed) throw this.failed
    let seq = this.seq
    const stamped = events.map((e) => ({seq: ++seq, ...this.redact(e)}) as JournalEvent)
    const buf = Buffer.from(stamped.map((e) => JSON.stringify(kebabEvent(e))).join('\n') + '\n')
    try {
      writeFully(this.fd, buf)
      // fdatasync flushes the data and the file size (all an append needs), not the mtime.
      if (sync) fs.fdatasyncSync(this.fd)
    } catch (err) {
      // Cut the partial event back off, so the next append does not glue onto half a line;
      // if even that fails, the next open treats it as a torn last line.
      try {
        fs.ftruncateSync(this.fd, this.size)
      } catch {
        // left for the next open's repair
      }
      throw isStorageErrno(err) ? storageError(err) : err
    }
    this.seq = seq
    this.size += buf.length
    if (sync) this.syncedTo = this.size
    return stamped
  }

  /** Close the file; a flush still in flight finishes first (its waiters are still answered). */
  close(): void {
    if (this.flushing) this.closeWhenFlushed = true
    else this.closeNow()
  }

  private closeNow(): void {
    openWriters--
    fs.closeSync(this.fd)
  }
}

export interface JournalRead {
  events: JournalEvent[]
  /** Bytes up to the end of the last complete line. */
  validBytes: number
}

/**
 * Read every event. An unparsable last line is a torn write and is ignored (validBytes stops
 * before it); an unparsable line anywhere before it throws `journal_corrupt`.
 */
export function readJournal(file: string): JournalRead {
  let buf: Buffer
  try {
    buf = fs.readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {events: [], validBytes: 0}
    throw err
  }
  const events: JournalEvent[] = []
  let pos = 0
  let validBytes = 0
  let lineNo = 0
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos)
    const end = nl < 0 ? buf.length : nl
    const line = buf.subarray(pos, end).toString('utf8')
    const start = pos
    pos = end + 1
    lineNo++
    if (nl < 0) break // no newline yet: torn, whatever it holds
    if (line.trim() === '') {
      validBytes = pos
      continue
    }
    try {
      events.push(codeEvent(JSON.parse(line) as object))
      validBytes = pos
    } catch {
      if (buf.subarray(pos).toString('utf8').trim() === '') break // the last line: torn
      throw journalCorrupt(file, lineNo, start)
    }
  }
  return {events, validBytes}
}

function journalCorrupt(file: string, line: number, offset: number): BreytaError {
  return new BreytaError('journal_corrupt', `${file}: line ${line} is not a journal event, and good events follow it`, {
    hint: 'The journal was damaged (not torn by a crash); breyta will not guess what it held and leaves the file as it is. Restore it from a backup, or start over with `breyta runs retry RUN`.',
    details: {file, line, offset},
  })
}

/** The first event alone (a run's `run_created`), reading no further than its line. */
export function readFirstEvent(file: string): JournalEvent | undefined {
  const fd = fs.openSync(file, 'r')
  try {
    const chunks: Buffer[] = []
    for (let pos = 0; ;) {
      const chunk = Buffer.alloc(64 * 1024)
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos)
      if (n === 0) return undefined
      const nl = chunk.subarray(0, n).indexOf(0x0a)
      chunks.push(chunk.subarray(0, nl < 0 ? n : nl))
      if (nl >= 0) return codeEvent(JSON.parse(Buffer.concat(chunks).toString('utf8')) as object)
      pos += n
    }
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * A new journal with its first events: created and written in this thread, flushed on libuv's
 * pool (run creation: the daemon's thread goes on serving during the flush); `alongside` (the
 * flush of the directory the file is in) runs at once with the file's own. A failed write or
 * flush leaves the file empty. Why the create and write are not on the pool too: each was one
 * more round trip through it, and a webhook's run waited for four of them in a row under load
 * (B: ~2 ms of a ~5 ms answer); a create and a 250-byte write cost tens of µs.
 */
export async function createJournal(file: string, events: UnsequencedEvent[], alongside: () => Promise<void>): Promise<JournalEvent[]> {
  let seq = 0
  const stamped = events.map((e) => ({seq: ++seq, ...e}) as JournalEvent)
  const buf = Buffer.from(stamped.map((e) => JSON.stringify(kebabEvent(e))).join('\n') + '\n')
  let fd: number
  try {
    fd = fs.openSync(file, 'a')
  } catch (err) {
    throw isStorageErrno(err) ? storageError(err) : err
  }
  try {
    writeFully(fd, buf)
    await Promise.all([new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))), alongside()])
  } catch (err) {
    try {
      fs.ftruncateSync(fd, 0)
    } catch {
      // the next open repairs a torn line; an empty journal reads as no run
    }
    throw isStorageErrno(err) ? storageError(err) : err
  } finally {
    fs.closeSync(fd)
  }
  return stamped
}

/**
 * Append after a journal just read (under the run's lock): a torn last line left by a process
 * that died mid-write is cut off first, as an advancing writer does, so the events never glue
 * onto it (which would turn a torn tail into a damaged middle line: journal_corrupt).
 */
export function appendAfter(file: string, read: JournalRead, ...events: UnsequencedEvent[]): JournalEvent[] {
  const w = JournalWriter.open(file, read.events.at(-1)?.seq ?? 0, read.validBytes)
  try {
    return w.append(...events)
  } finally {
    w.close()
  }
}
