/**
 * The run journal: `events.jsonl`, one JSON event per line, appended and fsync'd before the
 * run moves on. It is the source of truth; run.json is derived from it. A torn last line
 * (the writer died mid-write) is skipped on read and truncated away on the next open.
 */
import fs from 'node:fs'
import type {JournalEvent, UnsequencedEvent} from '../types.js'

export class JournalWriter {
  private fd: number
  private seq: number
  private redact: (e: UnsequencedEvent) => UnsequencedEvent = (e) => e

  private constructor(readonly file: string, fd: number, seq: number) {
    this.fd = fd
    this.seq = seq
  }

  /** Open for appending; repairs a torn tail so the next line starts clean. */
  static open(file: string, lastSeq: number, validBytes?: number): JournalWriter {
    if (validBytes !== undefined) {
      const size = fs.existsSync(file) ? fs.statSync(file).size : 0
      if (size > validBytes) fs.truncateSync(file, validBytes)
    }
    const fd = fs.openSync(file, 'a')
    return new JournalWriter(file, fd, lastSeq)
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

  private write(events: UnsequencedEvent[], sync: boolean): JournalEvent[] {
    const stamped = events.map((e) => ({seq: ++this.seq, ...this.redact(e)}) as JournalEvent)
    fs.writeSync(this.fd, stamped.map((e) => JSON.stringify(e)).join('\n') + '\n')
    // fdatasync flushes the data and the file size (all an append needs), not the mtime.
    if (sync) fs.fdatasyncSync(this.fd)
    return stamped
  }

  close(): void {
    fs.closeSync(this.fd)
  }
}

export interface JournalRead {
  events: JournalEvent[]
  /** Bytes up to the end of the last complete line. */
  validBytes: number
}

/** Read every complete event; a torn or unparsable last line is ignored. */
export function readJournal(file: string): JournalRead {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {events: [], validBytes: 0}
    throw err
  }
  const events: JournalEvent[] = []
  let pos = 0
  let validBytes = 0
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    if (nl < 0) break
    const line = text.slice(pos, nl)
    pos = nl + 1
    if (line.trim() === '') continue
    try {
      events.push(JSON.parse(line) as JournalEvent)
      validBytes = Buffer.byteLength(text.slice(0, pos))
    } catch {
      break
    }
  }
  return {events, validBytes}
}

/** Append from a process that does not hold the run's writer (used under the run lock). */
export function appendEvents(file: string, lastSeq: number, ...events: UnsequencedEvent[]): JournalEvent[] {
  const w = JournalWriter.open(file, lastSeq)
  try {
    return w.append(...events)
  } finally {
    w.close()
  }
}
