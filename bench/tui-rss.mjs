#!/usr/bin/env node
// The TUI's memory with many runs on disk (issue 15): fills a throwaway workspace with N
// completed runs (one real run made by the engine, its directory copied under new run ids),
// starts `breyta tui` in tmux, waits for the first paint, and reads VmRSS / VmHWM from
// /proc/PID/status at first paint and again after `--settle` seconds (a watcher that scans
// at start-up grows after the first paint). Runs against dist/ (npm run build first); Linux
// and tmux only.
//   node bench/tui-rss.mjs [--runs 10000] [--settle 15]
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin', 'run.js')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const runIds = await import(path.join(root, 'dist', 'engine', 'store', 'fs', 'run-id.js'))

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? dflt : Number(process.argv[i + 1])
}
const count = arg('--runs', 10_000)
const settleS = arg('--settle', 15)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const socket = `breyta-tui-rss-${process.pid}`
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'})

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-tui-rss-'))
engine.initWorkspace(dir)
fs.writeFileSync(
  path.join(dir, '.breyta', 'flows', 'plain.edn'),
  '{:slug :plain :name "Plain" :flow (flow/step :function :only {:code "(fn [x] {:n 1})" :input {}})}\n',
)
const ws = await engine.openWorkspace({explicit: dir, from: dir})
const seed = await engine.createRun(ws, {slug: 'plain', target: 'draft'})
if ((await engine.driveRun(ws, seed.id)).status !== 'completed') throw new Error('seed run did not complete')
const seedDir = path.join(dir, '.breyta', 'runs', seed.id)
const files = fs
  .readdirSync(seedDir)
  .filter((f) => fs.statSync(path.join(seedDir, f)).isFile())
  .map((f) => [f, fs.readFileSync(path.join(seedDir, f), 'utf8')])
const t0 = Date.now()
for (let i = 1; i < count; i++) {
  const id = runIds.newRunId()
  const runDir = path.join(dir, '.breyta', 'runs', id)
  fs.mkdirSync(runDir)
  for (const [name, text] of files) fs.writeFileSync(path.join(runDir, name), text.replaceAll(seed.id, id))
}
console.log(`${count} runs written in ${Date.now() - t0} ms (${dir})`)
// Copied directories skip the snapshot writer that keeps runs/.waiting/ (the index of waiting
// runs); the first reader backfills it once, as on a workspace from before the index. Do that
// here, so the TUI below starts as it does on any workspace written by this version.
const t1 = Date.now()
execFileSync(process.execPath, [bin, 'waits', 'list', '--json'], {cwd: dir, stdio: 'ignore'})
console.log(`one-time backfill of the waiting-runs index: ${Date.now() - t1} ms`)

/** Peak RSS and wall time of `node -e 0`, the floor any Node CLI pays. */
function nodeBaseline() {
  const t = Date.now()
  const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], {encoding: 'utf8'})
  return {ms: Date.now() - t, mb: Number(out) / 1024}
}

function status(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)[1])
  return {rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024}
}

/** Proportional set size (MB): shared pages (the node binary) split between the processes that map them. */
function pss(pid) {
  return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024
}

const children = (pid) => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
const isNode = (pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node'

/**
 * The node processes of the pane: `breyta tui` re-runs itself in a node started with a small
 * young generation (bin/run.js), so there are two, the launcher (waiting) and the TUI.
 */
function nodePids(panePid) {
  const found = []
  const visit = (pid) => {
    if (isNode(pid)) found.push(pid)
    for (const c of children(pid)) visit(c)
  }
  visit(panePid)
  if (found.length === 0) throw new Error('no node process in the pane')
  return found
}

/** Pages only this process maps (MB): what it costs beyond the node binary and libraries every node shares. */
function privateMb(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  return ['Private_Clean', 'Private_Dirty'].reduce((sum, key) => sum + Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)[1]), 0) / 1024
}

function measure(pids) {
  const tui = status(pids.at(-1))
  return {
    ...tui,
    pss: pids.reduce((sum, pid) => sum + pss(pid), 0),
    launcher: pids.length > 1 ? status(pids[0]).rss : 0,
    launcherPrivate: pids.length > 1 ? privateMb(pids[0]) : 0,
  }
}

try {
  const started = Date.now()
  tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'tui', '-c', dir, `exec ${process.execPath} ${bin} tui --by bench`)
  const panePid = Number(tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim())
  while (!tmux('capture-pane', '-p', '-t', 'tui').includes('breyta runs (')) {
    if (Date.now() - started > 120_000) throw new Error('no first paint within 120 s')
    await sleep(50)
  }
  const paintMs = Date.now() - started
  const pids = nodePids(panePid)
  const atPaint = measure(pids)
  await sleep(settleS * 1000)
  const settled = measure(pids)
  const base = nodeBaseline()
  const launcher =
    pids.length > 1
      ? ` (plus its launcher's VmRSS ${settled.launcher.toFixed(0)} MB, of which ${settled.launcherPrivate.toFixed(0)} MB its own; the rest is the node binary it shares with the TUI)`
      : ''
  console.log(
    `breyta tui with ${count.toLocaleString('en')} runs: first paint after ${paintMs} ms (${(paintMs / base.ms).toFixed(1)}x node -e 0's ${base.ms} ms; target < 1 s)`,
  )
  console.log(`  the TUI process's VmRSS at first paint: ${atPaint.rss.toFixed(0)} MB`)
  console.log(
    `  VmRSS ${settleS} s later: ${settled.rss.toFixed(0)} MB, peak VmHWM ${settled.hwm.toFixed(0)} MB (${(settled.hwm / base.mb).toFixed(1)}x node -e 0's ${base.mb.toFixed(0)} MB; target < 100 MB)${launcher}`,
  )
  console.log(
    `  Pss of all its node processes (shared pages counted once): ${atPaint.pss.toFixed(0)} MB at first paint, ${settled.pss.toFixed(0)} MB ${settleS} s later`,
  )
} finally {
  try {
    tmux('kill-server')
  } catch {
    // already gone
  }
  fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid()}`, socket), {force: true})
  fs.rmSync(dir, {recursive: true, force: true})
}
