#!/usr/bin/env node
// Daemon figures (issue 4): callback-to-next-step latency, throughput on a 3-step function flow,
// RSS with 10,000 runs parked on waits. Runs against dist/ (npm run build first). Each part
// starts a real daemon process (`bin/run.js daemon start --port 0`) on a throwaway workspace.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {removeAtExit, startDaemon, stopDaemon} from './workloads.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const runIds = await import(path.join(root, 'dist', 'engine', 'store', 'fs', 'run-id.js'))

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const line = (label, value, target) => console.log(`${label}: ${value} (${target})`)
const quick = process.argv.includes('--quick')

async function workspace(flows) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-daemon-'))
  engine.initWorkspace(dir)
  for (const [slug, text] of Object.entries(flows)) fs.writeFileSync(path.join(dir, '.breyta', 'flows', `${slug}.edn`), text)
  return {dir, ws: await engine.openWorkspace({explicit: dir, from: dir})}
}

const snapshot = (ws, id) => {
  try {
    return JSON.parse(fs.readFileSync(ws.layout.runSnapshot(id), 'utf8'))
  } catch {
    return undefined
  }
}

async function until(check, timeoutMs = 30_000, stepMs = 2) {
  const t0 = Date.now()
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out')
    await sleep(stepMs)
  }
}

// 1. Callback → next step: POST the callback URL, then read from the journal when the step
//    after the wait completed (same clock, ms resolution).
async function callbackLatency(n) {
  const {dir, ws} = await workspace({
    cb: `{:slug :cb :name "cb"
 :flow (let [r (flow/step :wait :w {:key "k"})] (flow/step :function :next {:code "(fn [x] (:n x))" :input r}))}\n`,
  })
  const d = await startDaemon(dir)
  const samples = []
  try {
    // The first few callbacks warm up the daemon (JIT, lazily loaded step modules): not counted.
    for (let i = -5; i < n; i++) {
      const run = await engine.createRun(ws, {slug: 'cb'})
      await until(() => snapshot(ws, run.id)?.status === 'waiting')
      const url = (await ws.callbacks()).callbackUrl(run.id, 'k')
      const t0 = Date.now()
      const res = await fetch(url, {method: 'POST', body: JSON.stringify({n: i}), headers: {'content-type': 'application/json'}})
      if (res.status !== 202) throw new Error(`callback answered ${res.status}`)
      await until(() => snapshot(ws, run.id)?.status === 'completed')
      const done = engine.readRunEvents(ws.layout, run.id).find((e) => e.type === 'step_completed' && e.step === 'next')
      if (i >= 0) samples.push(Date.parse(done.at) - t0)
    }
  } finally {
    await stopDaemon(d)
    removeAtExit(dir)
  }
  return samples
}

const THREE = `{:slug :three :name "three"
 :functions [{:id :inc :language :clojure :code "(fn [x] (inc x))"}]
 :flow (let [a (flow/step :function :a {:ref :inc :input 0})
             b (flow/step :function :b {:ref :inc :input a})
             c (flow/step :function :c {:ref :inc :input b})]
         c)}\n`

// 2a. Throughput, daemon only: N runs created while no daemon runs, then one start executes
//     them all; measured from the first run's start to the last run's finish (journal times).
// 2b. Throughput end to end: a client creates N runs (engine createRun, as `flows run` does)
//     while the daemon runs; measured from the first create to the last finish.
async function throughput(n, live) {
  const {dir, ws} = await workspace({three: THREE})
  const ids = []
  let d
  let t0
  try {
    if (live) {
      d = await startDaemon(dir)
      t0 = Date.now()
      for (let i = 0; i < n; i++) ids.push((await engine.createRun(ws, {slug: 'three'})).id)
    } else {
      for (let i = 0; i < n; i++) ids.push((await engine.createRun(ws, {slug: 'three'})).id)
      d = await startDaemon(dir)
    }
    await until(
      () => {
        while (ids.length > 0 && snapshot(ws, ids.at(-1))?.status === 'completed') ids.pop()
        return ids.length === 0
      },
      300_000,
      20,
    )
    const views = (await engine.listRuns(ws, {limit: n})).items
    if (views.some((v) => v.status !== 'completed')) throw new Error('a run did not complete')
    const start = live ? t0 : Math.min(...views.map((v) => Date.parse(v['started-at'])))
    const end = Math.max(...views.map((v) => Date.parse(v['finished-at'])))
    return (n / (end - start)) * 1000
  } finally {
    if (d) await stopDaemon(d)
    removeAtExit(dir)
  }
}

// 3. RSS with N runs parked on waits (each with a 24 h timeout, so all sit in the timer index).
//    One run is parked through the engine; its directory is then copied under N fresh run ids.
async function parkedRss(n) {
  const {dir, ws} = await workspace({park: `{:slug :park :name "park" :flow (flow/step :wait :w {:key "k" :timeout "24h"})}\n`})
  try {
    const first = await engine.createRun(ws, {slug: 'park'})
    const parked = await engine.driveRun(ws, first.id, {})
    if (parked.status !== 'waiting') throw new Error(`expected waiting, got ${parked.status}`)
    const files = ['run.json', 'events.jsonl'].map((f) => [f, fs.readFileSync(path.join(ws.layout.runDir(first.id), f), 'utf8')])
    for (let i = 1; i < n; i++) {
      const id = runIds.newRunId()
      const runDir = ws.layout.runDir(id)
      fs.mkdirSync(runDir)
      for (const [f, text] of files) fs.writeFileSync(path.join(runDir, f), text.replaceAll(first.id, id))
    }
    const d = await startDaemon(dir)
    try {
      const health = await (await fetch(d.url + '/healthz')).json()
      if (health.timers !== n) throw new Error(`daemon indexes ${health.timers} timers, expected ${n}`)
      await sleep(1000)
      const status = fs.readFileSync(`/proc/${d.child.pid}/status`, 'utf8')
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1])
      const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)[1])
      return {rss: rssKb / 1024, peak: hwmKb / 1024, readyMs: d.readyMs}
    } finally {
      await stopDaemon(d)
    }
  } finally {
    removeAtExit(dir)
  }
}

console.log(`breyta daemon bench — node ${process.version}, ${os.cpus().length} cores`)
const lat = await callbackLatency(quick ? 20 : 100)
line('callback-to-next-step p50', `${pct(lat, 0.5).toFixed(1)} ms`, `target < 20 ms; p90 ${pct(lat, 0.9).toFixed(1)} ms, n=${lat.length}`)
const n = quick ? 300 : 1000
line('daemon throughput, 3-step function flow (runs queued before start)', `${(await throughput(n, false)).toFixed(0)} runs/s`, `target >= 200 runs/s; n=${n}`)
line(
  'daemon throughput, 3-step function flow (client creating runs meanwhile)',
  `${(await throughput(n, true)).toFixed(0)} runs/s`,
  `target >= 200 runs/s; n=${n}, creation included`,
)
const parkedN = quick ? 2000 : 10_000
const mem = await parkedRss(parkedN)
line(
  `daemon RSS with ${parkedN.toLocaleString('en')} runs parked on waits`,
  `${mem.rss.toFixed(0)} MB`,
  `target < 150 MB; peak ${mem.peak.toFixed(0)} MB, start-up scan to ready ${mem.readyMs} ms`,
)
