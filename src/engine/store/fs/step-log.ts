/**
 * Live step output (`:exec`, `:ssh`): the lines a program prints, as they arrive, one file per
 * step under the run (`runs/<id>/logs/<step>.log`), apart from the journal so a chatty program
 * costs no fsync and never grows the journal. Each line is a JSON object
 * `{"seq" "at" "attempt" "stream" "line"}`; `seq` counts every line the step ever printed.
 *
 * Bounded: the file holds at most half the limit; when it would grow past that it becomes
 * `<step>.log.1` (replacing the previous one), so at most the limit is kept, the newest lines.
 * What was dropped shows as a gap in `seq` (readers say "N earlier lines dropped").
 *
 * Observers learn of new output through the run's change notice (signals.ts), throttled: a
 * program printing thousands of lines a second rewrites the notice at most every NOTE_MS.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {WorkspaceLayout} from './paths.js'
import {noteRunChanged} from './signals.js'
import type {OutputStream, StepLogChunk, StepLogLine} from '../types.js'

export type {OutputStream, StepLogChunk, StepLogLine} from '../types.js'

/** Observers see new output within this; a notice costs ~6 µs, an observer's re-read more. */
const NOTE_MS = 100

export function stepLogFile(layout: WorkspaceLayout, runId: string, stepId: string): string {
  return layout.runStepLog(runId, stepId)
}

/** The step ids that have output, in the order their logs were first written. */
export function stepLogIds(layout: WorkspaceLayout, runId: string): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(layout.runLogsDir(runId)).filter((n) => n.endsWith('.log'))
  } catch {
    return []
  }
  return names.map((n) => decodeURIComponent(n.slice(0, -'.log'.length)))
}

export class StepLogWriter {
  private fd: number | undefined
  private size = 0
  private seq: number
  private lastNote = 0
  private pending: NodeJS.Timeout | undefined
  private readonly file: string

  constructor(
    private readonly layout: WorkspaceLayout,
    private readonly runId: string,
    stepId: string,
    private readonly attempt: number,
    private readonly maxBytes: number,
  ) {
    this.file = stepLogFile(layout, runId, stepId)
    // A retry or a recovery continues the step's numbering, so no line is counted twice.
    this.seq = lastSeq(this.file) ?? lastSeq(`${this.file}.1`) ?? 0
  }

  /**
   * Append lines (already redacted) of one stream, all stamped `at`, in one write when they fit
   * (a program printing 200,000 short lines costs that many JSON lines, not that many syscalls).
   * Never throws: output is for people, the step goes on.
   */
  write(stream: OutputStream, lines: string[], at: Date): void {
    if (lines.length === 0) return
    const stamp = at.toISOString()
    let batch = ''
    let batchBytes = 0
    try {
      if (this.fd === undefined) this.open()
      for (const line of lines) {
        const text = JSON.stringify({seq: this.seq + 1, at: stamp, attempt: this.attempt, stream, line}) + '\n'
        const bytes = Buffer.byteLength(text)
        if (this.size + batchBytes > 0 && this.size + batchBytes + bytes > this.maxBytes / 2) {
          this.flush(batch)
          batch = ''
          batchBytes = 0
          this.rotate()
        }
        batch += text
        batchBytes += bytes
        this.seq++
      }
      this.flush(batch)
    } catch {
      return
    }
    this.note()
  }

  private flush(text: string): void {
    if (text.length === 0) return
    fs.writeSync(this.fd!, text)
    this.size += Buffer.byteLength(text)
  }

  close(): void {
    if (this.pending !== undefined) {
      clearTimeout(this.pending)
      this.pending = undefined
      noteRunChanged(this.layout, this.runId)
    }
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }

  private open(): void {
    fs.mkdirSync(path.dirname(this.file), {recursive: true})
    this.fd = fs.openSync(this.file, 'a')
    this.size = fs.fstatSync(this.fd).size
  }

  private rotate(): void {
    fs.closeSync(this.fd!)
    fs.renameSync(this.file, `${this.file}.1`)
    this.fd = fs.openSync(this.file, 'a')
    this.size = 0
  }

  private note(): void {
    const now = Date.now()
    if (now - this.lastNote >= NOTE_MS) {
      this.lastNote = now
      noteRunChanged(this.layout, this.runId)
      return
    }
    this.pending ??= setTimeout(
      () => {
        this.pending = undefined
        this.lastNote = Date.now()
        noteRunChanged(this.layout, this.runId)
      },
      NOTE_MS - (now - this.lastNote),
    )
    this.pending.unref()
  }
}

/** The seq of a log file's last complete line, if any. */
function lastSeq(file: string): number | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fs.fstatSync(fd).size
    const len = Math.min(size, 64 * 1024)
    const buf = Buffer.alloc(len)
    fs.readSync(fd, buf, 0, len, size - len)
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0)
    for (let i = lines.length - 1; i >= 0; i--) {
      const parsed = parseLine(lines[i]!)
      if (parsed) return parsed.seq
    }
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}

function parseLine(text: string): StepLogLine | undefined {
  try {
    const v = JSON.parse(text) as StepLogLine
    return typeof v.seq === 'number' && typeof v.line === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

interface FileCursor {
  ino: number
  offset: number
}

/**
 * Reads one step's log incrementally (a follower calls `read()` whenever the run changed). It
 * keeps the file's inode and offset, so a rotation between two reads is followed into `.1`.
 */
export class StepLogReader {
  private readonly file: string
  private cursor: FileCursor | undefined
  private last = 0

  constructor(
    layout: WorkspaceLayout,
    runId: string,
    readonly stepId: string,
  ) {
    this.file = stepLogFile(layout, runId, stepId)
  }

  read(): StepLogChunk {
    const texts: string[] = []
    const current = statIno(this.file)
    if (current !== undefined && this.cursor !== undefined && current === this.cursor.ino) {
      texts.push(this.readFrom(this.file, this.cursor.offset, current))
    } else {
      // First read, or rotated since: the rest of the old file (now `.1`) if we knew it, else all of `.1`.
      const old = statIno(`${this.file}.1`)
      if (old !== undefined) texts.push(this.readFrom(`${this.file}.1`, this.cursor?.ino === old ? this.cursor.offset : 0, undefined))
      if (current !== undefined) texts.push(this.readFrom(this.file, 0, current))
    }
    const lines: StepLogLine[] = []
    let dropped = 0
    for (const text of texts) {
      for (const l of text.split('\n')) {
        const parsed = l.length > 0 ? parseLine(l) : undefined
        if (parsed === undefined || parsed.seq <= this.last) continue
        if (parsed.seq > this.last + 1) dropped += parsed.seq - this.last - 1
        this.last = parsed.seq
        lines.push(parsed)
      }
    }
    return {stepId: this.stepId, dropped, lines}
  }

  /** Complete lines from `offset`; the cursor moves to the end of the last one when `ino` is the live file. */
  private readFrom(file: string, offset: number, ino: number | undefined): string {
    let data: Buffer
    try {
      const fd = fs.openSync(file, 'r')
      try {
        const size = fs.fstatSync(fd).size
        data = Buffer.alloc(Math.max(0, size - offset))
        if (data.length > 0) fs.readSync(fd, data, 0, data.length, offset)
      } finally {
        fs.closeSync(fd)
      }
    } catch {
      return ''
    }
    const end = data.lastIndexOf(0x0a) + 1
    if (ino !== undefined) this.cursor = {ino, offset: offset + end}
    return data.subarray(0, end).toString('utf8')
  }
}

function statIno(file: string): number | undefined {
  try {
    return fs.statSync(file).ino
  } catch {
    return undefined
  }
}
