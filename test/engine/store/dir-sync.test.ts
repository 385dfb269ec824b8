/** Grouped directory flushes (run creation's fsync of runs/) and a journal created off the thread. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {createJournal, readJournal} from '../../../src/engine/store/fs/journal.js'
import {fsyncDirGrouped} from '../../../src/engine/store/fs/snapshot.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-dir-sync-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(dir, {recursive: true, force: true})
})

describe('fsyncDirGrouped', () => {
  it('callers asking at once share one flush; one asking while it runs gets a flush that starts after it asked', async () => {
    let started = 0
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const real = fs.fsync
    // The first flush is held until released, so a caller can surely ask while it runs.
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      if (++started === 1) void held.then(() => real(fd, cb))
      else real(fd, cb)
    }) as typeof fs.fsync)
    const first = Array.from({length: 10}, () => fsyncDirGrouped(dir))
    await vi.waitFor(() => expect(started).toBe(1))
    let lateDone = false
    const late = fsyncDirGrouped(dir).then(() => (lateDone = true))
    release()
    await Promise.all(first)
    expect(lateDone).toBe(false)
    await late
    expect(started).toBe(2)
  })

  it('a failed flush is reported to each caller of its round, and the next round flushes again', async () => {
    let fail = true
    const real = fs.fsync
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      if (fail) return void cb(Object.assign(new Error('EIO'), {code: 'EIO'}))
      real(fd, cb)
    }) as typeof fs.fsync)
    const round = await Promise.allSettled([fsyncDirGrouped(dir), fsyncDirGrouped(dir)])
    expect(round.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    fail = false
    await expect(fsyncDirGrouped(dir)).resolves.toBeUndefined()
  })
})

describe('createJournal', () => {
  it('writes the first events numbered from 1, flushed with what runs alongside', async () => {
    const file = path.join(dir, 'events.jsonl')
    let alongside = false
    const events = await createJournal(
      file,
      [
        {type: 'log', at: 't', message: 'a'},
        {type: 'log', at: 't', message: 'b'},
      ],
      async () => {
        alongside = true
      },
    )
    expect(events.map((e) => e.seq)).toEqual([1, 2])
    expect(alongside).toBe(true)
    expect(readJournal(file).events.map((e) => (e as {message?: string}).message)).toEqual(['a', 'b'])
  })

  it('a failed flush leaves the file empty and throws', async () => {
    const file = path.join(dir, 'events.jsonl')
    await expect(
      createJournal(file, [{type: 'log', at: 't', message: 'a'}], async () => {
        throw Object.assign(new Error('no space'), {code: 'ENOSPC'})
      }),
    ).rejects.toMatchObject({code: 'storage_error'})
    expect(fs.statSync(file).size).toBe(0)
  })
})
