#!/usr/bin/env node
// `npm run bench -- --store postgres` (issue 16): the same figures on the file store and on a
// PostgreSQL store, side by side: engine overhead per step, daemon throughput with one daemon and
// (PostgreSQL only: a file workspace has one daemon) with two daemons on one store, and callback
// → next step latency (with two daemons, the callback goes to the daemon that did not start the
// run). Runs against dist/ (npm run build first). PostgreSQL: BREYTA_STORE_URL, else
// BREYTA_TEST_PG_URL, else one started here by test/helpers/postgres.sh and stopped at the end.
import {execFileSync, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {startDaemon, stopDaemon} from './workloads.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))

const quick = process.argv.includes('--quick')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const median = (xs) => pct(xs, 0.5)

const STEPS = quick ? 100 : 300
const RUNS = quick ? 100 : 300
const CALLBACKS = quick ? 20 : 50

const FLOWS = {
  steps: `{:slug :steps :name "steps"
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (loop [i 0 acc 0]
         (if (< i ${STEPS})
           (recur (inc i) (flow/step :function (str "s" i) {:ref :inc :input acc}))
           acc))}\n`,
  three: `{:slug :three :name "three"
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (let [a (flow/step :function :a {:ref :inc :input 0})
             b (flow/step :function :b {:ref :inc :input a})
             c (flow/step :function :c {:ref :inc :input b})]
         c)}\n`,
  cb: `{:slug :cb :name "cb"
 :flow (let [r (flow/step :wait :w {:key "k"})] (flow/step :function :next {:code "(fn [x] (:n x))" :input r}))}\n`,
}

/** The PostgreSQL URL, and how to stop it if it was started here. */
function postgres() {
  const given = process.env.BREYTA_STORE_URL || process.env.BREYTA_TEST_PG_URL
  // BREYTA_STORE_URL would put the file store's checkouts on PostgreSQL too (it wins over config).
  delete process.env.BREYTA_STORE_URL
  if (given) return {url: given, stop: () => {}, note: 'given'}
  // Its own cluster's directory comes from the helper's stderr (not /tmp/breyta-pg.last, which
  // another process starting one at the same time may have rewritten).
  const helper = path.join(root, 'test', 'helpers', 'postgres.sh')
  const r = spawnSync('bash', [helper], {encoding: 'utf8'})
  const dir = /\(dir (\S+);/.exec(r.stderr ?? '')?.[1]
  if (r.status === 0 && r.stdout.trim() && dir)
    return {url: r.stdout.trim(), stop: () => spawnSync('bash', [helper, 'stop', dir], {stdio: 'ignore'}), note: 'started by test/helpers/postgres.sh'}
  return {
    url: undefined,
    stop: () => {},
    note: `no PostgreSQL could start: ${String(r.stderr || r.error?.message || '')
      .trim()
      .split('\n')
      .at(-1)}`,
  }
}

/** A checkout (its own .breyta/) on the given store; postgres checkouts share `schema`. */
async function checkout(store) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `breyta-bench-${store.kind}-`))
  engine.initWorkspace(dir)
  for (const [slug, text] of Object.entries(FLOWS)) fs.writeFileSync(path.join(dir, '.breyta', 'flows', `${slug}.edn`), text)
  if (store.kind === 'postgres') {
    const config = path.join(dir, '.breyta', 'config.edn')
    const text = fs.readFileSync(config, 'utf8').trimEnd()
    fs.writeFileSync(config, `${text.slice(0, -1)}\n :store {:type :postgres :url-secret :team-db :schema "${store.schema}"}}\n`)
  }
  return {dir, ws: await engine.openWorkspace({explicit: dir, from: dir})}
}

async function until(check, timeoutMs = 60_000, stepMs = 5) {
  const t0 = Date.now()
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out')
    await sleep(stepMs)
  }
}

const status = async (ws, id) => (await engine.runView(ws, id)).status

/** Engine overhead per step: one run of STEPS function steps, in this process. */
async function perStep(ws) {
  const samples = []
  for (let i = 0; i < 3; i++) {
    const run = await engine.createRun(ws, {slug: 'steps'})
    const t0 = performance.now()
    const view = await engine.driveRun(ws, run.id, {})
    if (view.status !== 'completed' || view.output !== STEPS) throw new Error(`steps run ended ${view.status}: ${JSON.stringify(view.error)}`)
    samples.push((performance.now() - t0) / STEPS)
  }
  return median(samples)
}

/** Wait until every run in `ids` completed; their start and finish times (journal). */
async function finished(ws, ids) {
  const views = []
  const left = [...ids]
  await until(
    async () => {
      while (left.length > 0) {
        const v = await engine.runView(ws, left[0])
        if (v.status === 'failed' || v.status === 'cancelled') throw new Error(`bench run ${v.id} ended ${v.status}: ${JSON.stringify(v.error)}`)
        if (v.status !== 'completed') return false
        views.push(v)
        left.shift()
      }
      return true
    },
    300_000,
    20,
  )
  return views
}

/**
 * Daemon throughput: RUNS runs of the 3-step flow created while no daemon runs, then the daemons
 * start and execute them all; from the first run's start to the last one's finish.
 */
async function queuedThroughput(ws, dirs, env) {
  const ids = []
  for (let i = 0; i < RUNS; i++) ids.push((await engine.createRun(ws, {slug: 'three'})).id)
  const daemons = await Promise.all(dirs.map((dir) => startDaemon(dir, env)))
  try {
    const views = await finished(ws, ids)
    const start = Math.min(...views.map((v) => Date.parse(v['started-at'])))
    const end = Math.max(...views.map((v) => Date.parse(v['finished-at'])))
    return (RUNS / (end - start)) * 1000
  } finally {
    for (const d of daemons) await stopDaemon(d)
  }
}

/** End to end: a client creates RUNS runs (engine createRun, as `flows run` does) while the daemons run. */
async function liveThroughput(ws) {
  const ids = []
  const t0 = Date.now()
  for (let i = 0; i < RUNS; i++) ids.push((await engine.createRun(ws, {slug: 'three'})).id)
  const views = await finished(ws, ids)
  return (RUNS / (Math.max(...views.map((v) => Date.parse(v['finished-at']))) - t0)) * 1000
}

/** Callback → the next step completed (journal time), the callback sent to `target`. */
async function callbackLatency(ws, target) {
  const samples = []
  for (let i = -3; i < CALLBACKS; i++) {
    const run = await engine.createRun(ws, {slug: 'cb'})
    await until(async () => (await status(ws, run.id)) === 'waiting')
    const u = new URL((await ws.callbacks()).callbackUrl(run.id, 'k'))
    const t0 = Date.now()
    const res = await fetch(`${target.url}${u.pathname}${u.search}`, {
      method: 'POST',
      body: JSON.stringify({n: i}),
      headers: {'content-type': 'application/json'},
    })
    if (res.status !== 202) throw new Error(`callback answered ${res.status}`)
    await until(async () => (await status(ws, run.id)) === 'completed')
    const done = (await engine.runEvents(ws, run.id)).find((e) => e.type === 'step_completed' && e.step === 'next')
    if (i >= 0) samples.push(Date.parse(done.at) - t0)
  }
  return samples
}

async function measure(store, env) {
  const a = await checkout(store)
  const b = store.kind === 'postgres' ? await checkout(store) : undefined
  const out = {}
  const daemons = []
  try {
    out.perStep = await perStep(a.ws)
    out.one = await queuedThroughput(a.ws, [a.dir], env)
    if (b) out.two = await queuedThroughput(a.ws, [a.dir, b.dir], env)
    daemons.push(await startDaemon(a.dir, env))
    out.liveOne = await liveThroughput(a.ws)
    out.latencyOne = await callbackLatency(a.ws, daemons[0])
    if (b) {
      daemons.push(await startDaemon(b.dir, env))
      out.liveTwo = await liveThroughput(a.ws)
      out.latencyTwo = await callbackLatency(a.ws, daemons[1])
    }
  } finally {
    for (const d of daemons) await stopDaemon(d)
    await a.ws.closeStore()
    for (const c of [a, b]) if (c) fs.rmSync(c.dir, {recursive: true, force: true})
  }
  return out
}

async function describePostgres() {
  // A test cluster (test/helpers/postgres.sh) runs with fsync off: say so next to its figures.
  const {default: pgLib} = await import('pg')
  const c = new pgLib.Client({connectionString: pg.url})
  try {
    await c.connect()
    const fsync = (await c.query('SHOW fsync')).rows[0].fsync
    const version = (await c.query('SHOW server_version')).rows[0].server_version
    pg.note += `; PostgreSQL ${version}, fsync ${fsync}${fsync === 'off' ? " (the file store fsyncs every journal write; with fsync on, PostgreSQL's figures would be lower)" : ''}`
  } catch {
  } finally {
    await c.end().catch(() => {})
  }
}

console.log(`breyta store bench (issue 16) — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}`)
const pg = postgres()
const results = {files: await measure({kind: 'files'}, {})}
if (pg.url) {
  const schema = `bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`
  process.env.BREYTA_SECRET_TEAM_DB = pg.url
  try {
    results.postgres = await measure({kind: 'postgres', schema}, {BREYTA_SECRET_TEAM_DB: pg.url})
    await describePostgres()
  } finally {
    try {
      execFileSync(
        process.execPath,
        [
          '-e',
          `const pg=require('pg');const c=new pg.Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('DROP SCHEMA IF EXISTS "${schema}" CASCADE')).finally(()=>c.end())`,
          pg.url,
        ],
        {cwd: root, stdio: 'ignore'},
      )
    } catch {}
    pg.stop()
  }
}

const cell = (v) => String(v).padStart(20)
const row = (label, f) => console.log(`${label.padEnd(52)}${cell(f(results.files))}${cell(results.postgres ? f(results.postgres) : '—')}`)
const lat = (xs) => (xs ? `${median(xs).toFixed(1)} (p90 ${pct(xs, 0.9).toFixed(0)}) ms` : 'n/a')
console.log('')
console.log(`${''.padEnd(52)}${cell('files')}${cell('postgres')}`)
row(`engine overhead per step (${STEPS} function steps)`, (r) => `${r.perStep.toFixed(2)} ms`)
row(`runs/s, one daemon (${RUNS} 3-step runs queued first)`, (r) => `${r.one.toFixed(0)} runs/s`)
row(`runs/s, two daemons on one store (same)`, (r) => (r.two === undefined ? 'n/a (one daemon)' : `${r.two.toFixed(0)} runs/s`))
row(`runs/s, one daemon, a client creating runs meanwhile`, (r) => `${r.liveOne.toFixed(0)} runs/s`)
row(`runs/s, two daemons, a client creating runs meanwhile`, (r) => (r.liveTwo === undefined ? 'n/a (one daemon)' : `${r.liveTwo.toFixed(0)} runs/s`))
row(`callback → next step, one daemon (n=${CALLBACKS})`, (r) => lat(r.latencyOne))
row(`callback → next step, sent to the other daemon`, (r) => lat(r.latencyTwo))
if (!pg.url) console.log(`\npostgres: skipped, ${pg.note}`)
else
  console.log(
    `\npostgres: ${pg.note}. Runs are created in this process (engine createRun, as \`flows run\` does); times are the journals'. A file workspace has one daemon.`,
  )
