/**
 * Issue 12, journal integrity: a full or read-only disk stops a run with `storage_error`
 * before the next step runs and leaves it resumable; a damaged middle line of a journal gives
 * `journal_corrupt` and the file stays byte for byte as it was. The disk faults are real: the
 * workspace lives on a small tmpfs (mounting needs root; skipped with the reason otherwise).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {completeWait, initWorkspace, openWorkspace} from '../../src/engine/index.js'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

/** Step b's command carries 16 KiB of padding, so its step_started needs fresh pages on any disk. */
const PAD = 'x'.repeat(16 * 1024)
const flowText = (countFile: string) => `{:slug :disk :name "Disk"
 :flow (do (flow/step :exec :a {:command ["sh" "-c" "echo a >> ${countFile}"]})
           (flow/step :wait :w {:key "go"})
           (flow/step :exec :b {:command ["sh" "-c" "echo b >> ${countFile} # ${PAD}"]})
           :done)}`

let mnt: string
let mountError: string | undefined
let outDir: string

beforeAll(() => {
  mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], {stdio: 'pipe'})
  } catch (err) {
    mountError = `cannot mount a tmpfs here (${String((err as {stderr?: Buffer}).stderr ?? err).trim()}); needs root`
  }
})
afterAll(() => {
  if (!mountError) execFileSync('umount', [mnt])
  fs.rmSync(mnt, {recursive: true, force: true})
})
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-out-'))
})
afterEach(() => {
  if (!mountError) {
    execFileSync('mount', ['-o', 'remount,rw', mnt])
    for (const name of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, name), {recursive: true, force: true})
  }
  fs.rmSync(outDir, {recursive: true, force: true})
})

/** A workspace on the tmpfs with the run parked at its wait, the wait already answered (in the inbox). */
async function parkedRun(): Promise<{root: string; runId: string; countFile: string}> {
  const root = path.join(mnt, 'ws')
  fs.mkdirSync(root)
  initWorkspace(root)
  const countFile = path.join(outDir, 'count')
  fs.writeFileSync(path.join(root, '.breyta', 'flows', 'disk.edn'), flowText(countFile))
  const r = await cli(['flows', 'run', 'disk', '--json'], {cwd: root})
  expect(r.json.data?.status, r.stdout + r.stderr).toBe('waiting')
  const ws = await openWorkspace({explicit: root, from: root})
  await completeWait(ws, r.json.data.id, 'go', {payload: new Map(), source: 'cli'})
  return {root, runId: r.json.data.id, countFile}
}

/** Fill the file system until it refuses one more byte. */
function fillDisk(): string {
  const filler = path.join(mnt, 'filler')
  const fd = fs.openSync(filler, 'w')
  try {
    for (const size of [64 * 1024, 4096, 1]) {
      const buf = Buffer.alloc(size)
      for (;;) {
        try {
          fs.writeSync(fd, buf)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
          throw err
        }
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return filler
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])

describe('a disk that refuses writes', () => {
  it('full: storage_error before step b runs; after space is freed, resume runs each step once', async (ctx) => {
    if (mountError) return ctx.skip(mountError)
    const {root, runId, countFile} = await parkedRun()
    const filler = fillDisk()

    const failed = await cli(['runs', 'resume', runId, '--wait', '--json'], {cwd: root})
    expect(failed.code, failed.stdout + failed.stderr).toBe(1)
    expect(failed.json.error).toMatchObject({code: 'storage_error'})
    expect(failed.json.error?.hint).toContain(`breyta runs resume ${runId}`)
    expect(lines(countFile)).toEqual(['a'])

    fs.rmSync(filler)
    const done = await cli(['runs', 'resume', runId, '--wait', '--json'], {cwd: root})
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.json.data).toMatchObject({status: 'completed', output: 'done'})
    expect(lines(countFile)).toEqual(['a', 'b'])
  })

  it('read-only: storage_error (EROFS), never internal; the run resumes once the disk is writable', async (ctx) => {
    if (mountError) return ctx.skip(mountError)
    const {root, runId, countFile} = await parkedRun()
    execFileSync('mount', ['-o', 'remount,ro', mnt])

    const failed = await cli(['runs', 'resume', runId, '--wait', '--json'], {cwd: root})
    expect(failed.code, failed.stdout + failed.stderr).toBe(1)
    expect(failed.json.error).toMatchObject({code: 'storage_error', details: {errno: 'EROFS'}})
    expect(lines(countFile)).toEqual(['a'])

    execFileSync('mount', ['-o', 'remount,rw', mnt])
    const done = await cli(['runs', 'resume', runId, '--wait', '--json'], {cwd: root})
    expect(done.json.data, done.stdout + done.stderr).toMatchObject({status: 'completed'})
    expect(lines(countFile)).toEqual(['a', 'b'])
  })
})

describe('a damaged journal', () => {
  let t: TempWorkspace
  beforeEach(async () => {
    t = await tempWorkspace()
  })
  afterEach(() => t.cleanup())

  it('a malformed middle line gives journal_corrupt (file and line) and the file is left byte for byte', async () => {
    t.writeFlow(
      'three',
      `{:slug :three :name "Three"
     :flow (do (flow/step :function :one {:code "(fn [_] 1)"})
               (flow/step :function :two {:code "(fn [_] 2)"})
               (flow/step :function :three {:code "(fn [_] 3)"})
               :ok)}`,
    )
    const r = await cli(['flows', 'run', 'three', '--wait', '--json'], {cwd: t.root})
    expect(r.json.data?.status).toBe('completed')
    const runId = r.json.data.id as string
    const file = t.ws.layout.runJournal(runId)
    const text = fs.readFileSync(file, 'utf8').split('\n')
    expect(text.length).toBeGreaterThan(6)
    text[3] = text[3]!.slice(0, 20) + '#garbage'
    fs.writeFileSync(file, text.join('\n'))
    const before = fs.readFileSync(file)
    // What the next reader would otherwise believe: the run is unfinished.
    fs.rmSync(t.ws.layout.runSnapshot(runId))

    const shown = await cli(['runs', 'show', runId, '--json'], {cwd: t.root})
    expect(shown.code).toBe(1)
    expect(shown.json.error).toMatchObject({code: 'journal_corrupt', details: {file, line: 4}})

    const resumed = await cli(['runs', 'resume', runId, '--json'], {cwd: t.root})
    expect(resumed.code).toBe(1)
    expect(resumed.json.error).toMatchObject({code: 'journal_corrupt', details: {line: 4}})
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })
})
