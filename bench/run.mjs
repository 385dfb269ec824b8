#!/usr/bin/env node
// npm run bench: prints the figures the issues set targets for. Runs against dist/ (built first).
// `npm run bench -- --peers`: only workloads A–E, breyta next to Restate and DBOS (bench/peers.mjs,
// which installs them on demand). `npm run bench -- --soak N`: only the daemon soak, N runs.
import {execFileSync, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
if (args.includes('--peers') || args.includes('--soak')) {
  const soak = args.indexOf('--soak')
  const [file, rest] =
    soak >= 0
      ? ['soak.mjs', ['--runs', args[soak + 1], ...args.filter((a, i) => i !== soak && i !== soak + 1)]]
      : ['peers.mjs', args.filter((a) => a !== '--peers')]
  execFileSync(process.execPath, [path.join(root, 'bench', file), ...rest], {stdio: 'inherit'})
  process.exit(0)
}
const bin = path.join(root, 'bin', 'run.js')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const store = await import(path.join(root, 'dist', 'engine', 'store', 'fs', 'run-store.js'))
const runId = await import(path.join(root, 'dist', 'engine', 'store', 'fs', 'run-id.js'))

// `--store postgres`: the file store's and PostgreSQL's figures side by side (bench/store-postgres.mjs).
const storeAt = process.argv.indexOf('--store')
if (storeAt !== -1) {
  const which = process.argv[storeAt + 1]
  if (which !== 'postgres') {
    console.error(`--store takes postgres (the file store's figures are printed next to it), not ${which ?? 'nothing'}`)
    process.exit(2)
  }
  execFileSync(
    process.execPath,
    [path.join(root, 'bench', 'store-postgres.mjs'), ...process.argv.slice(2).filter((a, i) => i !== storeAt - 2 && i !== storeAt - 1)],
    {stdio: 'inherit'},
  )
  process.exit(0)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = (n) => `${n.toFixed(n < 10 ? 2 : 0)} ms`
const line = (label, value, target) => console.log(`${label.padEnd(48)} ${value.padStart(12)}   ${target}`)

function tempWs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-'))
  engine.initWorkspace(dir)
  return dir
}

async function stepOverhead(steps) {
  const dir = tempWs()
  const flow = `{:slug :bench :name "bench"
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (loop [i 0 acc 0]
         (if (< i ${steps})
           (recur (inc i) (flow/step :function (str "s" i) {:ref :inc :input acc}))
           acc))}`
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'bench.edn'), flow)
  const ws = await engine.openWorkspace({explicit: dir, from: dir})
  const run = await engine.createRun(ws, {slug: 'bench'})
  const t0 = performance.now()
  const view = await engine.driveRun(ws, run.id, {})
  const total = performance.now() - t0
  if (view.status !== 'completed' || view.output !== steps) throw new Error(`bench run ended ${view.status}: ${JSON.stringify(view.error)}`)
  fs.rmSync(dir, {recursive: true, force: true})
  return total / steps
}

function coldStart(args, cwd, n = 7) {
  const times = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, args, {cwd, stdio: 'ignore'})
    times.push(performance.now() - t0)
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  }
  return median(times)
}

async function fillRuns(dir, count) {
  const ws = await engine.openWorkspace({explicit: dir, from: dir})
  const text = '{:slug :filler :name "filler" :flow (flow/input)}\n'
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'filler.edn'), text)
  const have = fs.readdirSync(ws.layout.runsDir).length
  // In batches: each creation holds its journal open until its flush, and unawaited, 9,000 of
  // them at once ran the process out of file descriptors (spawnSync then failed).
  let batch = []
  for (let i = have; i < count; i++) {
    if (batch.length === 100) {
      await Promise.all(batch)
      batch = []
    }
    const id = runId.newRunId()
    const at = new Date().toISOString()
    batch.push(
      store.createRunFiles(ws.layout, id, text, {
        type: 'run_created',
        at,
        run: id,
        flow: 'filler',
        target: 'draft',
        version: null,
        sha256: crypto.createHash('sha256').update(text).digest('hex'),
        input: {},
      }),
    )
  }
  await Promise.all(batch)
}

console.log(`breyta bench — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}`)
console.log('')

const perStep = []
for (let i = 0; i < 3; i++) perStep.push(await stepOverhead(1000))
line('engine overhead per step (1,000 function steps)', ms(median(perStep)), 'target < 2 ms (durable journal, fsync per event)')

const dir = tempWs()
const nodeBaseline = coldStart(['-e', '0'], dir)
line('cold start: node -e 0 (baseline)', ms(nodeBaseline), '')
line('cold start: breyta --version', ms(coldStart([bin, '--version'], dir)), 'target < 300 ms')
line('cold start: breyta runs list --json', ms(coldStart([bin, 'runs', 'list', '--json'], dir)), 'target < 300 ms')

for (const count of [1000, 10000]) {
  await fillRuns(dir, count)
  line(
    `runs list --json --limit 20 (${count.toLocaleString('en')} runs on disk)`,
    ms(coldStart([bin, 'runs', 'list', '--json', '--limit', '20'], dir, 5)),
    'target < 300 ms, flat in run count',
  )
}
fs.rmSync(dir, {recursive: true, force: true})

for (const extra of ['workloads.mjs', 'daemon.mjs', 'soak.mjs']) {
  const file = path.join(root, 'bench', extra)
  if (fs.existsSync(file)) {
    console.log('')
    execFileSync(process.execPath, [file, ...process.argv.slice(2)], {stdio: 'inherit'})
  }
}

// The TUI with 10,000 runs on disk (~30 s: writing the runs, then tmux). `--no-tui` skips it.
if (!process.argv.includes('--no-tui')) {
  console.log('')
  if (spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0)
    execFileSync(process.execPath, [path.join(root, 'bench', 'tui-rss.mjs'), '--runs', '10000', '--settle', '5'], {stdio: 'inherit'})
  else console.log('breyta tui bench skipped: it needs tmux')
}
