/** Group commit: grouped appends are written at once and flushed off the thread; durable() says when. */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {JournalWriter, readJournal} from '../../../src/engine/store/fs/journal.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-journal-group-'))
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

describe('grouped appends', () => {
  it('many writers appending and waiting at once: every event lands, numbered in order, in its own file', async () => {
    const writers = Array.from({length: 20}, (_, i) => JournalWriter.open(path.join(dir, `${i}.jsonl`), 0))
    await Promise.all(
      writers.map(async (w, i) => {
        for (let n = 0; n < 50; n++) {
          const [e] = w.appendGrouped({type: 'log', at: String(n), message: `${i}:${n}`})
          expect(e!.seq).toBe(n + 1)
          // A few appends without waiting share the next flush.
          if (n % 3 === 0) await w.durable()
        }
        await w.durable()
        w.close()
      }),
    )
    for (let i = 0; i < writers.length; i++) {
      const {events} = readJournal(path.join(dir, `${i}.jsonl`))
      expect(events.map((e) => (e as {message: string}).message)).toEqual(Array.from({length: 50}, (_, n) => `${i}:${n}`))
      expect(events.map((e) => e.seq)).toEqual(Array.from({length: 50}, (_, n) => n + 1))
    }
  })

  it('close() while a flush is in flight closes after it; the waiter is still answered', async () => {
    const file = path.join(dir, 'events.jsonl')
    const w = JournalWriter.open(file, 0)
    w.appendGrouped({type: 'run_started', at: 'a', pid: 1})
    const done = w.durable()
    w.close()
    await done
    expect(readJournal(file).events).toHaveLength(1)
  })

  it('synchronous and grouped appends mix on one writer, and durable() is at once when nothing is pending', async () => {
    const file = path.join(dir, 'events.jsonl')
    const w = JournalWriter.open(file, 0)
    await w.durable()
    w.appendGrouped({type: 'log', at: 'a', message: 'one'})
    w.append({type: 'log', at: 'b', message: 'two'})
    w.appendUnsynced({type: 'log', at: 'c', message: 'three'})
    await w.durable()
    w.close()
    expect(readJournal(file).events.map((e) => e.seq)).toEqual([1, 2, 3])
  })

  for (const alone of [true, false]) {
    it(`a flush the kernel refuses fails durable() and every later append of that writer (${alone ? 'alone: synchronous flush' : 'with another writer open: thread-pool flush'})`, async () => {
      const other = alone ? undefined : JournalWriter.open(path.join(dir, 'other.jsonl'), 0)
      const w = JournalWriter.open(path.join(dir, 'events.jsonl'), 0)
      // Swap the file for a FIFO under the writer: writes go through, fdatasync fails for real (EINVAL).
      const fifo = path.join(dir, 'fifo')
      execFileSync('mkfifo', [fifo])
      const slot = w as unknown as {fd: number}
      fs.closeSync(slot.fd)
      slot.fd = fs.openSync(fifo, 'r+')
      w.appendGrouped({type: 'log', at: 'a', message: 'x'})
      await expect(w.durable()).rejects.toMatchObject({code: 'EINVAL'})
      expect(() => w.appendGrouped({type: 'log', at: 'b', message: 'y'})).toThrow()
      await expect(w.durable()).rejects.toBeDefined()
      w.close()
      other?.close()
    })
  }
})
