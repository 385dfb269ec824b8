/**
 * Recorded histories (test/fixtures/journals/, made by scripts/record-journals.mjs): journals
 * written by an earlier breyta must keep reading and replaying with today's engine, as
 * Temporal's replay tests do with recorded histories. For each one:
 * - read as it is, the journal projects to the recorded view (status, output, steps in order,
 *   attempts, waits): a renamed or reinterpreted event field breaks this;
 * - replayed (the run's last event, run_completed, taken off, then driven by the current run
 *   engine), the flow body re-evaluates against the recorded steps to the same output and the
 *   same step order without running any step again: a change to positions, step ids, the
 *   interpreter or replay matching shows up as nondeterminism or as a step run twice;
 * - the crash history, cut where the process was killed (a step_started with no completion),
 *   resumes as it did when recorded: the step runs again as attempt 2 and the run ends the same.
 * The fixtures are copied into a temporary workspace; the recorded files are never changed.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {driveRun, readRunEvents, readRunView, type Json} from '../../src/engine/index.js'
import {REPO_ROOT, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

const HISTORIES = path.join(REPO_ROOT, 'test', 'fixtures', 'journals')

interface Expected {
  sha256: Record<'events.jsonl' | 'flow.edn', string>
  run: string
  flow: string
  status: string
  output: Json
  steps: {id: string; type: string; status: string; attempts: number}[]
  waits: {key: string; status: string}[]
  events: string[]
}

const names = fs
  .readdirSync(HISTORIES)
  .filter((n) => fs.statSync(path.join(HISTORIES, n)).isDirectory())
  .sort()
const expectedOf = (name: string): Expected => JSON.parse(fs.readFileSync(path.join(HISTORIES, name, 'expected.json'), 'utf8'))
const recorded = (name: string, file: string) => fs.readFileSync(path.join(HISTORIES, name, file))

let t: TempWorkspace | undefined
afterEach(() => {
  t?.cleanup()
  t = undefined
})

/** A workspace holding the recorded run: its journal (the first `keep` lines) and pinned flow. */
async function withHistory(name: string, keep?: (lines: string[]) => string[]): Promise<{t: TempWorkspace; id: string}> {
  const {run} = expectedOf(name)
  t = await tempWorkspace('breyta-replay-')
  const dir = t.ws.layout.runDir(run)
  fs.mkdirSync(dir, {recursive: true})
  const lines = recorded(name, 'events.jsonl')
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
  fs.writeFileSync(path.join(dir, 'events.jsonl'), (keep ? keep(lines) : lines).map((l) => l + '\n').join(''))
  fs.writeFileSync(path.join(dir, 'flow.edn'), recorded(name, 'flow.edn'))
  return {t, id: run}
}

const stepsOf = (id: string, ws: TempWorkspace) =>
  readRunView(ws.ws.layout, id).steps.map((s) => ({id: s.id, type: s.type, status: s.status, attempts: s.attempts}))

it('has the recorded histories (steps, a wait, flow/map, a retry, a crash)', () => {
  expect(names).toEqual(['approval', 'crash', 'flow-map', 'retry', 'steps'])
})

describe.each(names)('recorded history %s', (name) => {
  const expected = expectedOf(name)

  it('is byte for byte as recorded', () => {
    for (const file of ['events.jsonl', 'flow.edn'] as const) {
      expect(crypto.createHash('sha256').update(recorded(name, file)).digest('hex'), file).toBe(expected.sha256[file])
    }
  })

  it('reads as the view it had when recorded', async () => {
    const {t, id} = await withHistory(name)
    const view = readRunView(t.ws.layout, id)
    expect(view).toMatchObject({id, flow: expected.flow, status: expected.status, output: expected.output})
    expect(stepsOf(id, t)).toEqual(expected.steps)
    expect(view.waits.map((w) => ({key: w.key, status: w.status}))).toEqual(expected.waits)
    expect(readRunEvents(t.ws.layout, id).map((e) => e.type)).toEqual(expected.events)
  })

  it('replays to the same output and step order without running a step again', async () => {
    expect(expected.events.at(-1)).toBe('run_completed')
    const {t, id} = await withHistory(name, (lines) => lines.slice(0, -1))
    const view = await driveRun(t.ws, id)
    expect(view.error).toBeNull()
    expect(view).toMatchObject({status: 'completed', output: expected.output})
    expect(stepsOf(id, t)).toEqual(expected.steps)
    const appended = readRunEvents(t.ws.layout, id)
      .slice(expected.events.length - 1)
      .map((e) => e.type)
    expect(appended).toEqual(['run_resumed', 'run_completed'])
  })
})

describe('recorded crash', () => {
  it('resumes from where the process was killed as it did when recorded: the started step runs again as attempt 2', async () => {
    const expected = expectedOf('crash')
    const crashAt = expected.events.indexOf('run_resumed')
    expect(expected.events.slice(crashAt - 2, crashAt)).toEqual(['step_completed', 'step_started'])
    const {t, id} = await withHistory('crash', (lines) => lines.slice(0, crashAt))
    const cut = readRunView(t.ws.layout, id)
    expect(cut.status).toBe('running')
    expect(cut.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['prepare', 'completed', 1],
      ['work', 'running', 1],
    ])
    // The step's command prints "second" once it finds this file (its first attempt made it).
    fs.writeFileSync(path.join(t.root, 'started'), '')
    const view = await driveRun(t.ws, id)
    expect(view).toMatchObject({status: 'completed', output: expected.output})
    expect(stepsOf(id, t)).toEqual(expected.steps)
    // Today's engine also journals each :exec attempt's process group (`step_process`, and
    // `step_process_stopped` when an earlier copy had to be stopped): bookkeeping for the
    // one-copy guarantee that the recorded history predates. Every other event matches.
    const bookkeeping = new Set(['step_process', 'step_process_stopped'])
    expect(
      readRunEvents(t.ws.layout, id)
        .map((e) => e.type)
        .filter((type) => !bookkeeping.has(type)),
    ).toEqual(expected.events)
  })
})
