/** Live step output on disk: lines in order, bounded by rotation with the drop counted, redacted and cut into lines by the step's sink. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Redactor} from '../../../src/engine/runtime/redact.js'
import type {StepServices} from '../../../src/engine/runtime/step-context.js'
import {RunOutputCursor} from '../../../src/engine/operations/step-output-read.js'
import {openStepOutput} from '../../../src/engine/runtime/step-output.js'
import {Workspace} from '../../../src/engine/workspace/workspace.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {StepLogReader, StepLogWriter, stepLogFile} from '../../../src/engine/store/fs/step-log.js'

const RUN = '01M8MFA36MYJ8Y1JQ4G42A5JRN'
const AT = new Date('2026-11-29T10:00:00.000Z')

describe('step logs', () => {
  let root: string
  let layout: WorkspaceLayout
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-step-log-'))
    layout = new WorkspaceLayout(root)
  })
  afterEach(() => fs.rmSync(root, {recursive: true, force: true}))

  it('a reader gets each line once, in order, across reads', () => {
    const w = new StepLogWriter(layout, RUN, 'build', 1, 1024 * 1024)
    const r = new StepLogReader(layout, RUN, 'build')
    w.write('stdout', ['one'], AT)
    w.write('stderr', ['two'], AT)
    expect(r.read().lines.map((l) => [l.seq, l.stream, l.line])).toEqual([
      [1, 'stdout', 'one'],
      [2, 'stderr', 'two'],
    ])
    expect(r.read().lines).toEqual([])
    w.write('stdout', ['three'], AT)
    expect(r.read()).toMatchObject({dropped: 0, lines: [{seq: 3, line: 'three'}]})
    w.close()
  })

  it('keeps at most the limit on disk, the newest lines, and says how many were dropped', () => {
    const limit = 4000
    const w = new StepLogWriter(layout, RUN, 'review[2]', 1, limit)
    const follower = new StepLogReader(layout, RUN, 'review[2]')
    follower.read()
    for (let i = 1; i <= 200; i++) {
      w.write('stdout', [`line ${i} ${'x'.repeat(40)}`], AT)
      // A follower that reads often loses nothing, even across rotations.
      if (i % 10 === 0) expect(follower.read()).toMatchObject({dropped: 0, lines: {length: 10}})
    }
    w.close()
    const file = stepLogFile(layout, RUN, 'review[2]')
    expect(fs.statSync(file).size + fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(limit)
    const late = new StepLogReader(layout, RUN, 'review[2]').read()
    expect(late.lines.at(-1)!.line).toMatch(/^line 200 /)
    expect(late.dropped).toBeGreaterThan(100)
    expect(late.dropped + late.lines.length).toBe(200)
    // A retry continues the numbering.
    const again = new StepLogWriter(layout, RUN, 'review[2]', 2, limit)
    again.write('stdout', ['attempt two'], AT)
    again.close()
    expect(follower.read().lines).toMatchObject([{seq: 201, attempt: 2, line: 'attempt two'}])
  })

  it('a batch larger than the limit rotates within one write and keeps the newest lines', () => {
    const limit = 4000
    const w = new StepLogWriter(layout, RUN, 'batch', 1, limit)
    w.write(
      'stdout',
      Array.from({length: 300}, (_, i) => `line ${i + 1} ${'y'.repeat(40)}`),
      AT,
    )
    w.close()
    const file = stepLogFile(layout, RUN, 'batch')
    expect(fs.statSync(file).size + fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(limit)
    const read = new StepLogReader(layout, RUN, 'batch').read()
    expect(read.lines.at(-1)).toMatchObject({seq: 300})
    expect(read.dropped + read.lines.length).toBe(300)
    expect(read.lines.map((l) => l.seq)).toEqual(Array.from({length: read.lines.length}, (_, i) => read.dropped + i + 1))
  })

  it('the step sink cuts chunks into lines, redacts each and flushes the unfinished one at the end', () => {
    const redactor = new Redactor().add('s3cr3t-token')
    const ws = new Workspace(layout)
    const services = {ws: {local: ws.local, config: {limits: {stepLogBytes: 1024 * 1024}}}, runId: RUN, redactor} as unknown as StepServices
    const out = openStepOutput(services, 'agent', 1, () => AT)
    const euro = Buffer.from('€')
    out.write('stdout', Buffer.from('token=s3cr3t-'))
    out.write('stdout', 'token ok\r\nprice 5')
    out.write('stdout', euro.subarray(0, 1))
    out.write('stdout', Buffer.concat([euro.subarray(1), Buffer.from('\nno newline at the end')]))
    out.write('stderr', 'warn\n')
    out.close()
    out.write('stdout', 'after the step ended\n')
    const lines = new RunOutputCursor(ws, RUN).read().map((o) => (o.type === 'output' ? `${o.stream}: ${o.line}` : o.type))
    expect(lines).toEqual(['stdout: token=*** ok', 'stdout: price 5€', 'stderr: warn', 'stdout: no newline at the end'])
  })
})
