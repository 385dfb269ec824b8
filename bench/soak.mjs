#!/usr/bin/env node
// Daemon soak (issue 12): 10,000 runs through one daemon; prints its RSS and the listeners on
// the signal every advance shares, after 1,000 and after 10,000 runs (both should stay flat),
// and whether it ever warned MaxListenersExceededWarning. Runs against dist/ (build first).
// `--runs N` for a shorter look; `--workers N` sets config.edn :limits :workers (0: main thread).
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin', 'run.js')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const arg = process.argv.indexOf('--runs')
const total = arg > 0 ? Number(process.argv[arg + 1]) : 10_000
const BATCH = 200

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-soak-'))
engine.initWorkspace(dir)
fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'soak.edn'), '{:slug :soak :name "soak" :flow (flow/step :function :one {:code "(fn [x] (inc x))" :input 1})}\n')
const workersArg = process.argv.indexOf('--workers')
if (workersArg > 0) fs.writeFileSync(path.join(dir, '.breyta', 'config.edn'), `{:limits {:workers ${Number(process.argv[workersArg + 1])}}}\n`)
const ws = await engine.openWorkspace({explicit: dir, from: dir})

const child = spawn(process.execPath, [...(process.env.SOAK_DEBUG ? ['--trace-warnings'] : []), bin, 'daemon', 'start', '--port', '0', '--workspace', dir], {stdio: ['ignore', 'ignore', 'pipe']})
let stderr = ''
child.stderr.on('data', (d) => (stderr += d))
let url
for (const t0 = Date.now(); !url; await sleep(20)) {
  if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`daemon did not come up: ${stderr}`)
  try {
    const info = JSON.parse(fs.readFileSync(ws.layout.daemonJson, 'utf8'))
    if (info.pid === child.pid && (await fetch(info.url + '/healthz')).ok) url = info.url
  } catch {}
}
const health = async () => (await fetch(url + '/healthz')).json()
const report = async (done) => {
  const h = await health()
  console.log(`after ${String(done).padStart(6)} runs: daemon RSS ${String(h['rss-mb']).padStart(4)} MB, abort listeners ${h['abort-listeners']}, active ${h.active}, advances ${h.advances}`)
}

const t0 = Date.now()
let done = 0
while (done < total) {
  const n = Math.min(BATCH, total - done)
  const ids = []
  for (let i = 0; i < n; i++) ids.push((await engine.createRun(ws, {slug: 'soak'})).id)
  // Wait for the batch: run.json says completed.
  for (const id of ids) {
    for (;;) {
      try {
        if (JSON.parse(fs.readFileSync(ws.layout.runSnapshot(id), 'utf8')).status === 'completed') break
      } catch {}
      await sleep(5)
    }
  }
  done += n
  if (done === 1000 || done === total) await report(done)
}
const secs = (Date.now() - t0) / 1000
if (process.env.SOAK_DEBUG) console.log(stderr.split('\n').slice(stderr.split('\n').findIndex((l) => /Warning/.test(l)), stderr.split('\n').findIndex((l) => /Warning/.test(l)) + 15).join('\n'))
console.log(`${total.toLocaleString('en')} runs in ${secs.toFixed(1)} s (${(total / secs).toFixed(0)} runs/s); MaxListenersExceededWarning: ${stderr.includes('MaxListenersExceededWarning') ? 'YES' : 'never'}`)
child.kill('SIGTERM')
await new Promise((r) => child.once('exit', r))
fs.rmSync(dir, {recursive: true, force: true})
