/**
 * One casing (SPEC §6): every key of every --json document every command prints is kebab-case.
 * Each command runs once through `bin/run.js --json` on a workspace whose own data (inputs,
 * outputs, payloads, kv values) is kebab-case too, so any other key is breyta's own.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
beforeEach(async () => {
  t = await tempWorkspace('breyta-kebab-')
})
afterEach(async () => {
  await killDaemons()
  t.cleanup()
})

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Every key in a JSON value that is not kebab-case, as a path. */
function badKeys(v: unknown, at = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => badKeys(x, `${at}[${i}]`))
  if (v === null || typeof v !== 'object') return []
  return Object.entries(v).flatMap(([k, x]) => [...(KEBAB.test(k) ? [] : [`${at}.${k}`]), ...badKeys(x, `${at}.${k}`)])
}

it('every --json output of every command has only kebab-case keys', async () => {
  const outputs: [string, unknown][] = []
  const run = async (...args: string[]) => {
    const r = await cli([...args, '--json'], {
      cwd: t.root,
      env: {BREYTA_WORKSPACE: ''},
      input: args[1] === 'set' && args[0] === 'secrets' ? 'a-long-enough-secret-value' : undefined,
    })
    outputs.push([args.join(' '), r.json])
    return r
  }
  const flow = path.join(t.root, 'tour.edn')
  fs.writeFileSync(
    flow,
    `{:slug :tour :name "Tour"
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (let [input (flow/input)
             a     (flow/step :exec :first {:command ["sh" "-c" "echo hello"] :persist true :retry {:max-attempts 2 :backoff "10ms"}})
             ok    (flow/step :wait :approve {:key "approve" :approval {:prompt "Go?"} :timeout "1h"})
             b     (flow/step :wait :done {:key "done" :timeout "1h"})]
         {:said (:stdout a) :decision (:decision ok) :payload b})}
`,
  )
  await run('init')
  await run('flows', 'push', flow)
  await run('flows', 'validate', 'tour')
  await run('flows', 'list')
  await run('flows', 'show', 'tour')
  await run('flows', 'release', 'tour', '--note', 'first')
  await run('flows', 'versions', 'tour')
  await run('flows', 'promote', 'tour', '--version', '1')
  await run('flows', 'diff', 'tour')
  await run('flows', 'new', 'other-flow')
  const started = await run('flows', 'run', 'tour', '--input', '{"pr-number": 1}')
  const id = started.json.data.id as string
  const queued = await run('flows', 'run', 'tour')
  await run('runs', 'list')
  await run('runs', 'show', id)
  await run('waits', 'list')
  await run('waits', 'approve', id, 'approve', '--by', 'ada', '--comment', 'ok')
  await run('waits', 'reject', id, 'approve')
  await run('waits', 'complete', id, 'done', '--payload', '{"build-url": "x"}')
  await run('runs', 'logs', id)
  await run('runs', 'watch', id)
  await run('runs', 'retry', id, '--from-step', 'approve')
  await run('runs', 'cancel', queued.json.data.id)
  await run('runs', 'resume', queued.json.data.id)
  await run('flows', 'run', 'nope', '--wait', '--timeout', '1s')
  await run('resources', 'list')
  const uri = (await run('resources', 'list', '--run', id)).json.data.items[0].uri as string
  await run('resources', 'get', uri, '--out', path.join(t.root, 'out.txt'))
  await run('kv', 'set', 'some-key', '{"a-b": 1}', '--ttl', '1h')
  await run('kv', 'get', 'some-key')
  await run('kv', 'list')
  await run('kv', 'delete', 'some-key')
  await run('secrets', 'set', 'gh-token')
  await run('secrets', 'list')
  await run('runs', 'lst')
  await run('runs', 'show')
  await run('tui')
  fs.writeFileSync(
    path.join(t.root, '.breyta', 'connections.edn'),
    '{:main-db {:type :sqlite :path "data/main.db"} :gh {:type :http :base-url "http://127.0.0.1:1" :auth {:bearer :gh-token}}}\n',
  )
  await run('connections', 'list')
  await run('connections', 'show', 'gh')
  await run('connections', 'test', 'main-db')
  await run('connections', 'test', 'gh')
  await run('daemon', 'status')
  const d = await spawnDaemon(t.root)
  await run('daemon', 'status')
  await run('daemon', 'stop')
  await d.exited
  outputs.push(['daemon start (foreground, on exit)', JSON.parse(d.stdout())])

  for (const [what, doc] of outputs) expect(doc, what).toBeTypeOf('object')
  expect(outputs.flatMap(([what, doc]) => badKeys(doc).map((k) => `${what}: ${k}`))).toEqual([])
  // The walk saw the keys that used to be camelCase, in their kebab-case form.
  const all = JSON.stringify(outputs)
  for (const k of ['already-initialized', 'step-type', 'timeout-at', 'on-timeout', 'next-commands']) expect(all).toContain(`"${k}"`)
}, 300_000)
