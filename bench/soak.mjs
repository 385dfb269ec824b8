#!/usr/bin/env node
// Daemon soak (issues 12 and 18): N one-step runs (10,000 by default) through one daemon, started
// by webhook and seen done by long poll from `--clients` closed-loop clients (32). Prints the
// daemon's RSS idle (before the first run), along the way, and idle again after the last run
// (settled), against issue 18's target: RSS after within 25% of idle; also the listeners on the
// signal every advance shares and whether it ever warned MaxListenersExceededWarning. Runs
// against dist/ (build first). `npm run bench -- --soak 100000` runs only this.
//   node bench/soak.mjs [--runs N] [--clients K] [--workers N] [--heap DIR]
// `--workers N` sets config.edn :limits :workers (0: main thread). `--heap DIR` writes V8 heap
// snapshots of the daemon (idle after a 1,000-run warm-up, and at the end) into DIR and prints
// the constructors whose retained count grew most between them: where a leak lives.
// SOAK_NODE_ARGS adds node options to the daemon (e.g. --trace-gc).
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {client} from './workloads.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin', 'run.js')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const arg = (name, dflt) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt)
const total = Number(arg('--runs', 10_000))
const clients = Number(arg('--clients', 32))
const heapDir = arg('--heap', undefined)
const SECRET = 'bench-secret' // what workloads.mjs's client signs webhooks with

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-soak-'))
engine.initWorkspace(dir)
fs.writeFileSync(
  path.join(dir, '.breyta', 'flows', 'soak.edn'),
  '{:slug :soak :name "soak" :triggers [{:type :webhook :secret :bench}]\n :flow (flow/step :function :one {:code "(fn [x] (inc x))" :input 1})}\n',
)
if (process.argv.includes('--workers')) fs.writeFileSync(path.join(dir, '.breyta', 'config.edn'), `{:limits {:workers ${Number(arg('--workers'))}}}\n`)
const ws = await engine.openWorkspace({explicit: dir, from: dir})
await engine.releaseFlow(ws, 'soak')

const nodeArgs = [...(process.env.SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(heapDir ? ['--heapsnapshot-signal=SIGUSR2'] : [])]
if (heapDir) fs.mkdirSync(heapDir, {recursive: true})
const child = spawn(process.execPath, [...nodeArgs, bin, 'daemon', 'start', '--port', '0', '--workspace', dir], {
  cwd: heapDir ?? dir,
  stdio: ['ignore', process.env.SOAK_NODE_ARGS ? 'pipe' : 'ignore', 'pipe'],
  env: {...process.env, BREYTA_SECRET_BENCH: SECRET},
})
// A soak that fails (a run that did not complete) must not leave its daemon behind.
process.once('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'))
let stderr = ''
child.stdout?.on('data', (d) => process.stderr.write(d))
child.stderr.on('data', (d) => {
  stderr += d
  if (process.env.SOAK_NODE_ARGS) process.stderr.write(d)
})
let url
for (const t0 = Date.now(); !url; await sleep(20)) {
  if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`daemon did not come up: ${stderr}`)
  try {
    const info = JSON.parse(fs.readFileSync(ws.layout.daemonJson, 'utf8'))
    if (info.pid === child.pid && (await fetch(info.url + '/healthz')).ok) url = info.url
  } catch {}
}

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024
const health = async () => (await fetch(url + '/healthz')).json()
const rssAt = new Map()
const report = async (label, runs) => {
  const h = await health()
  if (runs !== undefined) rssAt.set(runs, rssMb())
  console.log(
    `${label.padEnd(22)} daemon RSS ${rssMb().toFixed(0).padStart(4)} MB, abort listeners ${h['abort-listeners']}, active ${h.active}, advances ${h.advances}`,
  )
}

/** A heap snapshot of the daemon (SIGUSR2), written into heapDir; its path once complete. */
async function snapshot() {
  const before = new Set(fs.readdirSync(heapDir))
  child.kill('SIGUSR2')
  for (;;) {
    await sleep(500)
    const file = fs.readdirSync(heapDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f))
    if (!file) continue
    const p = path.join(heapDir, file)
    const size = fs.statSync(p).size
    await sleep(1000)
    // V8 writes it in one go; complete once it stops growing and parses as JSON.
    if (fs.statSync(p).size === size) {
      try {
        return {path: p, data: JSON.parse(fs.readFileSync(p, 'utf8'))}
      } catch {}
    }
  }
}

/** Count and self size of the heap's objects by constructor (or type) name. */
function census(snap) {
  const {
    node_fields: fields,
    node_types: [types],
  } = snap.data.snapshot.meta
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const by = new Map()
  const nodes = snap.data.nodes
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + ti]]
    const key = type === 'object' || type === 'closure' ? `${type} ${snap.data.strings[nodes[i + ni]]}` : type
    const e = by.get(key) ?? {count: 0, size: 0}
    e.count++
    e.size += nodes[i + si]
    by.set(key, e)
  }
  return by
}

const c = await client(ws, url)
await sleep(1000)
const idle = rssMb()
await report('idle, before any run')

let warm
/** `n` runs from `clients` closed-loop clients; `marks` (run counts) print a report line. */
async function runMany(n, marks = new Set()) {
  let started = 0
  let finished = 0
  const one = async () => {
    while (started < n) {
      started++
      const id = await c.start('soak')
      const v = await c.seen(id, (s) => s === 'completed' || s === 'failed' || s === 'cancelled')
      if (v.status !== 'completed') throw new Error(`soak run ${id} ended ${v.status}`)
      finished++
      if (marks.has(finished)) {
        marks.delete(finished)
        await report(`after ${finished.toLocaleString('en')} runs`, finished)
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(clients, n)}, one))
}
if (heapDir) {
  // Warm-up: 1,000 runs, so the baseline snapshot holds what any daemon that ran holds.
  await runMany(1000)
  await sleep(2000)
  warm = await snapshot()
  console.log(`heap snapshot after a 1,000-run warm-up: ${warm.path}`)
}
const t0 = Date.now()
await runMany(total, new Set([1000, 10_000, ...Array.from({length: 10}, (_, i) => Math.round((total * (i + 1)) / 10))]))
const secs = (Date.now() - t0) / 1000
await sleep(5000)
const after = rssMb()
await report('settled (5 s) after all')
const growth = (after / idle - 1) * 100
console.log(
  `${total.toLocaleString('en')} runs in ${secs.toFixed(1)} s (${(total / secs).toFixed(0)} runs/s, ${clients} clients); MaxListenersExceededWarning: ${stderr.includes('MaxListenersExceededWarning') ? 'YES' : 'never'}`,
)
// A leak grows with the run count; a warm-up (JIT code, heap grown to its working size) does not.
const tenth = rssAt.get(Math.round(total / 10))
if (tenth !== undefined) console.log(`RSS after the first tenth of the runs ${tenth.toFixed(0)} MB → after all ${rssAt.get(total).toFixed(0)} MB`)
console.log(
  `RSS idle ${idle.toFixed(0)} MB → after ${after.toFixed(0)} MB: ${growth >= 0 ? '+' : ''}${growth.toFixed(0)}% (target: within 25% of idle) ${Math.abs(growth) <= 25 ? '✓' : '✗'}`,
)
if (heapDir) {
  const end = await snapshot()
  console.log(`heap snapshot at the end: ${end.path}`)
  const a = census(warm)
  const b = census(end)
  const rows = [...b]
    .map(([k, v]) => ({k, count: v.count - (a.get(k)?.count ?? 0), size: v.size - (a.get(k)?.size ?? 0)}))
    .sort((x, y) => y.size - x.size)
    .slice(0, 15)
  console.log('heap growth between the snapshots, by constructor (largest first):')
  for (const r of rows) console.log(`  ${r.k.slice(0, 60).padEnd(60)} ${String(r.count).padStart(9)} objects ${(r.size / 1024).toFixed(0).padStart(8)} KB`)
}
child.kill('SIGTERM')
await new Promise((r) => child.once('exit', r))
fs.rmSync(dir, {recursive: true, force: true})
