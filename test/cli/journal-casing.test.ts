/**
 * One casing in the journal: events are written with kebab-case fields, and a journal written
 * before (camelCase `stepType`, `timeoutAt`, `onTimeout`, `wakeAt`…) still replays: a run parked
 * under the old format completes, and `runs logs --json` shows every event in kebab-case.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-casing-')
})
afterEach(() => t.cleanup())

const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
const CAMEL: Record<string, string> = {
  'step-type': 'stepType',
  'timeout-at': 'timeoutAt',
  'on-timeout': 'onTimeout',
  'wake-at': 'wakeAt',
  'retry-in-ms': 'retryInMs',
  'default-value': 'defaultValue',
}

it('new events are kebab-case on disk; a parked run whose journal is camelCase (the old format) replays to the end', async () => {
  t.writeFlow(
    'two',
    `{:slug :two :name "two"
 :flow (let [a (flow/step :exec :a {:command ["sh" "-c" "echo A"]})
             ok (flow/step :wait :ok {:key "ok" :timeout "1h" :approval {:prompt "ok?"}})
             b (flow/step :exec :b {:command ["sh" "-c" "echo B"]})]
         (str (:stdout a) (:decision ok) (:stdout b)))}`,
  )
  const parked = await run('flows', 'run', 'two')
  const id = parked.json.data.id as string
  expect(parked.json.data.status).toBe('waiting')
  const file = path.join(t.root, '.breyta', 'runs', id, 'events.jsonl')
  const lines = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  expect(lines.find((e) => e.type === 'step_started')).toHaveProperty('step-type', 'exec')
  expect(lines.find((e) => e.type === 'wait_opened')).toMatchObject({'on-timeout': 'fail', 'timeout-at': expect.any(String)})
  expect(JSON.stringify(lines)).not.toMatch(/"(stepType|timeoutAt|onTimeout|wakeAt)"/)

  // Rewrite the journal as an older breyta wrote it.
  const old = lines.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [CAMEL[k] ?? k, v])))
  fs.writeFileSync(file, old.map((e) => JSON.stringify(e)).join('\n') + '\n')
  expect(fs.readFileSync(file, 'utf8')).toContain('"stepType":"exec"')

  const shown = await run('runs', 'show', id)
  expect(shown.json.data.steps.map((s: {id: string; type: string}) => [s.id, s.type])).toEqual([
    ['a', 'exec'],
    ['ok', 'wait'],
  ])
  expect(shown.json.data.waits).toMatchObject([{key: 'ok', status: 'open', 'on-timeout': 'fail', 'timeout-at': expect.any(String)}])
  const done = await run('waits', 'approve', id, 'ok')
  expect(done.json.data.status).toBe('completed')
  expect(done.json.data.view.output).toBe('A\n:approvedB\n')
  // Step a was replayed from the old record, not run again.
  expect(done.json.data.view.steps.find((s: {id: string}) => s.id === 'a').attempts).toBe(1)
  const logs = await run('runs', 'logs', id)
  const started = logs.json.data.items.filter((e: {type: string}) => e.type === 'step_started')
  expect(started.map((e: Record<string, unknown>) => e['step-type'])).toEqual(['exec', 'wait', 'exec'])
  expect(JSON.stringify(logs.json)).not.toMatch(/"(stepType|timeoutAt|onTimeout|wakeAt)"/)
})
