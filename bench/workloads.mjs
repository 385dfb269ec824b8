#!/usr/bin/env node
// Workloads A–E of issue 18 (the comparison with Restate and DBOS), against one real daemon
// (`bin/run.js daemon start --port 0`) on a throwaway workspace, next to this machine's floors.
// Clients speak HTTP only, as a peer's clients would: a webhook starts a run, and the run is
// "seen done" when `GET /runs/RUN?wait=30s&after=SEQ` answers it terminal (asked again past the
// seq of each answer that was not). `--quick` for smaller counts;
// `--workers N` sets config.edn :limits :workers (0: runs advance on the daemon's main thread).
import {spawn, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin', 'run.js')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const quick = process.argv.includes('--quick')
const SECRET = 'bench-secret'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Remove the benches' throwaway directories when the process exits, not between workloads:
 * on ext4 without a journal (this machine) the inode allocator skips inodes deleted within the
 * last minutes (`recently_deleted`), so a deleted tree of thousands of run files made every file
 * created for minutes after dearer — measured 30 µs → 700 µs of system CPU a create — and the
 * next workload or system measured (breyta's above all, which creates files per run) paid for it.
 */
const leftovers = []
export function removeAtExit(dir) {
  if (leftovers.length === 0) process.once('exit', () => leftovers.forEach((d) => fs.rmSync(d, {recursive: true, force: true})))
  leftovers.push(dir)
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const TERMINAL = new Set(['completed', 'failed', 'cancelled'])

export const FLOWS = {
  steps: (n) => `{:slug :steps :name "steps"
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (loop [i 0 acc 0] (if (< i ${n}) (recur (inc i) (flow/step :function (str "s" i) {:ref :inc :input acc})) acc))}\n`,
  one: `{:slug :one :name "one" :triggers [{:type :webhook :secret :bench}]
 :flow (flow/step :function :a {:code "(fn [x] (inc x))" :input 1})}\n`,
  three: `{:slug :three :name "three" :triggers [{:type :webhook :secret :bench}]
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (let [a (flow/step :function :a {:ref :inc :input 0})
             b (flow/step :function :b {:ref :inc :input a})
             c (flow/step :function :c {:ref :inc :input b})]
         c)}\n`,
  cb: `{:slug :cb :name "cb" :triggers [{:type :webhook :secret :bench}]
 :flow (let [r (flow/step :wait :w {:key "k"})] (flow/step :function :next {:code "(fn [x] (:n x))" :input r}))}\n`,
}

/** The machine's floors: a bare node start, and one durable 200-byte append. */
export function floors() {
  const starts = []
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now()
    spawnSync(process.execPath, ['-e', '0'], {stdio: 'ignore'})
    starts.push(performance.now() - t0)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-floor-'))
  const fd = fs.openSync(path.join(dir, 'f'), 'a')
  const line = Buffer.from('x'.repeat(199) + '\n')
  const syncs = []
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now()
    fs.writeSync(fd, line)
    fs.fdatasyncSync(fd)
    syncs.push(performance.now() - t0)
  }
  fs.closeSync(fd)
  removeAtExit(dir)
  return {nodeMs: pct(starts, 0.5), appendMs: pct(syncs, 0.5)}
}

/**
 * `breyta daemon start --port 0` for `dir`, resolved once its daemon.json names it and /healthz
 * answers. Started as the `breyta` command is, through bin/run.js's launcher (which caps the
 * daemon's malloc arenas), not as `node bin/run.js`; the launcher execs, so the pid is node's.
 */
export async function startDaemon(dir, env = {}) {
  const child = spawn(bin, ['daemon', 'start', '--port', '0', '--workspace', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {...process.env, BREYTA_SECRET_BENCH: SECRET, ...env},
  })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const file = path.join(dir, '.breyta', 'daemon.json')
  for (const t0 = Date.now(); ; await sleep(20)) {
    if (child.exitCode !== null) throw new Error(`daemon exited: ${err}`)
    if (Date.now() - t0 > 120_000) throw new Error('daemon did not come up')
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8'))
      if (info.pid === child.pid && (await fetch(info.url + '/healthz')).ok) return {child, url: info.url, readyMs: Date.now() - t0}
    } catch {}
  }
}

export async function stopDaemon(d) {
  if (d.child.exitCode !== null) return
  d.child.kill('SIGTERM')
  await new Promise((r) => d.child.once('exit', r))
}

export function memory(pid) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  let pss = NaN
  try {
    pss = Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024
  } catch {}
  return {rss, pss}
}

export async function client(ws, url) {
  const signer = await ws.callbacks()
  const token = (id) => crypto.createHmac('sha256', signer.key).update(`run\u0000${id}`).digest('base64url')
  return {
    async start(slug, body = {}) {
      const res = await fetch(`${url}/webhooks/${slug}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: {'content-type': 'application/json', authorization: `Bearer ${SECRET}`},
      })
      const json = await res.json()
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(json)}`)
      return json.run
    },
    /** Ask until the run's status satisfies `done`: long polls, each past the journal seq the last one answered (as `flows run --wait` asks). */
    async seen(id, done) {
      for (let after = -1; ;) {
        const res = await fetch(`${url}/runs/${id}?wait=30s&after=${after}&token=${token(id)}`)
        const json = await res.json()
        if (res.status !== 200) throw new Error(`GET /runs answered ${res.status}: ${JSON.stringify(json)}`)
        if (done(json.data.status)) return json.data
        after = json.data.seq
      }
    },
    async callback(id, key, body) {
      const cb = new URL(signer.callbackUrl(id, key))
      const res = await fetch(`${url}${cb.pathname}${cb.search}`, {method: 'POST', body: JSON.stringify(body), headers: {'content-type': 'application/json'}})
      if (res.status !== 202) throw new Error(`callback answered ${res.status}`)
    },
  }
}

// A: one run of N sequential function steps, created by the engine (as `flows run` does) and
// executed by the daemon; ms per step from its journal's start to its finish.
export async function workloadA(ws, c, n) {
  const run = await engine.createRun(ws, {slug: 'steps'})
  await engine.handToDaemon(ws, run.id)
  const view = await c.seen(run.id, (s) => TERMINAL.has(s))
  if (view.status !== 'completed' || view.output !== n) throw new Error(`A ended ${view.status}`)
  return (Date.parse(view['finished-at']) - Date.parse(view['started-at'])) / n
}

// B: webhook → done seen, one run at a time.
async function workloadB(c, n) {
  const xs = []
  for (let i = -5; i < n; i++) {
    const t0 = performance.now()
    const id = await c.start('one')
    const v = await c.seen(id, (s) => TERMINAL.has(s))
    if (v.status !== 'completed') throw new Error(`B ended ${v.status}`)
    if (i >= 0) xs.push(performance.now() - t0)
  }
  return xs
}

// C: K closed-loop clients, each starting a 3-step run and waiting to see it done, `total` runs.
async function workloadC(c, clients, total) {
  const lat = []
  let left = total
  const t0 = performance.now()
  await Promise.all(
    Array.from({length: clients}, async () => {
      while (left-- > 0) {
        const s = performance.now()
        const id = await c.start('three')
        const v = await c.seen(id, (st) => TERMINAL.has(st))
        if (v.status !== 'completed') throw new Error(`C ended ${v.status}`)
        lat.push(performance.now() - s)
      }
    }),
  )
  return {perSec: (total / (performance.now() - t0)) * 1000, lat}
}

// D: a run parked on a wait; callback POSTed → completion seen.
async function workloadD(c, n) {
  const xs = []
  for (let i = -5; i < n; i++) {
    const id = await c.start('cb')
    await c.seen(id, (s) => s === 'waiting')
    const t0 = performance.now()
    await c.callback(id, 'k', {n: i})
    const v = await c.seen(id, (s) => TERMINAL.has(s))
    if (v.status !== 'completed') throw new Error(`D ended ${v.status}`)
    if (i >= 0) xs.push(performance.now() - t0)
  }
  return xs
}

/** `breyta flows run one --wait` without a daemon, p50 of cold CLI starts. */
export function cliRunWait(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-cli-'))
  engine.initWorkspace(dir)
  fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'one.edn'), FLOWS.one)
  const xs = []
  for (let i = -1; i < n; i++) {
    const t0 = performance.now()
    // As the `breyta` command runs: through bin/run.js's sh line (~1 ms more than `node bin/run.js`).
    const r = spawnSync(bin, ['flows', 'run', 'one', '--wait'], {cwd: dir, stdio: 'ignore'})
    if (r.status !== 0) throw new Error(`flows run exited ${r.status}`)
    if (i >= 0) xs.push(performance.now() - t0)
  }
  removeAtExit(dir)
  return pct(xs, 0.5)
}

export async function workloads() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-wl-'))
  engine.initWorkspace(dir)
  const stepsN = 1000
  for (const [slug, text] of Object.entries(FLOWS))
    fs.writeFileSync(path.join(dir, '.breyta', 'flows', `${slug}.edn`), typeof text === 'function' ? text(stepsN) : text)
  const workers = process.argv.indexOf('--workers')
  if (workers > 0) fs.writeFileSync(path.join(dir, '.breyta', 'config.edn'), `{:limits {:workers ${Number(process.argv[workers + 1])}}}\n`)
  const ws = await engine.openWorkspace({explicit: dir, from: dir})
  for (const slug of ['one', 'three', 'cb']) await engine.releaseFlow(ws, slug)
  const d = await startDaemon(dir)
  const out = {}
  try {
    const c = await client(ws, d.url)
    await sleep(1000)
    out.idle = memory(d.child.pid)
    const as = []
    for (let i = 0; i < 3; i++) as.push(await workloadA(ws, c, stepsN))
    out.A = pct(as, 0.5)
    out.B = pct(await workloadB(c, quick ? 30 : 100), 0.5)
    const cr = await workloadC(c, 50, quick ? 500 : 2000)
    out.C = {perSec: cr.perSec, p50: pct(cr.lat, 0.5)}
    out.D = pct(await workloadD(c, quick ? 30 : 100), 0.5)
    await sleep(1000)
    out.after = memory(d.child.pid)
  } finally {
    d.child.kill('SIGTERM')
    await new Promise((r) => d.child.once('exit', r))
    removeAtExit(dir)
  }
  out.cli = cliRunWait(quick ? 5 : 11)
  return out
}

export function printTable(f, w, load) {
  const row = (a, b, c = '') => console.log(`| ${a.padEnd(52)} | ${b.padStart(14)} | ${c}`)
  console.log(`breyta workloads (issue 18) — node ${process.version}, ${os.cpus().length} cores, load average ${load}`)
  row('floor: node -e 0, p50 ms', f.nodeMs.toFixed(1))
  row('floor: 200-byte append + fdatasync, p50 ms', f.appendMs.toFixed(3))
  row('A 1,000 sequential steps, ms/step (daemon)', w.A.toFixed(3), 'target ≤ 0.5× best peer')
  row('B one-step run, webhook → done seen, p50 ms', w.B.toFixed(2), 'target ≤ 0.9× best peer')
  row('C 3-step runs, 50 closed-loop clients, runs/s', w.C.perSec.toFixed(0), 'target ≥ 1.1× best peer')
  row('C latency p50 ms', w.C.p50.toFixed(0))
  row('D callback → completion seen, p50 ms', w.D.toFixed(2), 'target ≤ 0.9× best peer')
  row(
    'E daemon idle / after the workloads, RSS MB',
    `${w.idle.rss.toFixed(0)} / ${w.after.rss.toFixed(0)}`,
    `PSS ${w.idle.pss.toFixed(0)} / ${w.after.pss.toFixed(0)} MB`,
  )
  row(`CLI flows run --wait (one step, no daemon), p50 ms`, w.cli.toFixed(0), `${(w.cli / f.nodeMs).toFixed(1)}× node -e 0; target ≤ 2.5×`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
  const f = floors()
  const w = await workloads()
  printTable(f, w, load)
}
