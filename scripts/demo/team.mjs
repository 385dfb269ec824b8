/**
 * `npm run demo -- team`: team mode (SPEC §9) on a local PostgreSQL, narrated.
 *
 * Two checkouts of one repository stand for two machines ("laptop" and "server"), each with its
 * own .breyta/ and its own daemon, sharing one PostgreSQL store:
 *   1. PostgreSQL: BREYTA_STORE_URL when set, else one started by test/helpers/postgres.sh (as
 *      .ci/run does; stopped at the end). When none can start, say so and exit 1.
 *   2. `breyta init` in both; config.edn `{:store {:type :postgres :url-secret :team-db}}`; the
 *      URL goes into each machine's own secrets (`breyta secrets set team-db`), never into git.
 *   3. the flow is released on the laptop and copied to the server (what `git pull` does).
 *   4. both daemons start; the run is started on the laptop; its hand-off step gives a stand-in
 *      worker a callback URL, and the worker POSTs the result to the *server's* daemon.
 *   5. the journal is followed from the shared store: which daemon (pid) did what.
 * A schema of its own (dropped at the end) keeps the demo out of a real store's tables.
 */
import {execFile, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pc from 'picocolors'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(REPO_ROOT, 'bin', 'run.js')
const PG_HELPER = path.join(REPO_ROOT, 'test', 'helpers', 'postgres.sh')

const FLOW = (worker) => `{:slug :handoff
 :name "Hand-off between machines"
 :description "Prepares a job, hands it to a remote worker with a callback URL, waits for the result, finishes."
 :flow (let [job  (flow/step :function :prepare {:code "(fn [i] {:job (str \\"build-\\" (:ref i)) :ref (:ref i)})" :input (flow/input)})
             sent (flow/step :http :dispatch {:url "${worker}/jobs" :json {:job (:job job) :callback (flow/callback-url "result")}})
             res  (flow/step :wait :result {:key "result" :timeout "5m"})]
         (flow/step :function :finish {:code "(fn [m] {:job (:job m) :artifact (:artifact m) :ok true})" :input {:job (:job job) :artifact (:artifact res)}}))}
`

/** BREYTA_STORE_URL, or a throwaway PostgreSQL; `reason` says why there is none. */
function findPostgres() {
  if (process.env.BREYTA_STORE_URL) return {url: process.env.BREYTA_STORE_URL, how: 'BREYTA_STORE_URL', stop: () => {}}
  // Its own cluster's directory comes from the helper's stderr (not /tmp/breyta-pg.last, which
  // another process starting one at the same time may have rewritten).
  const r = spawnSync('bash', [PG_HELPER], {encoding: 'utf8'})
  const dir = /\(dir (\S+);/.exec(r.stderr ?? '')?.[1]
  if (r.status === 0 && r.stdout.trim() && dir)
    return {
      url: r.stdout.trim(),
      how: `started by test/helpers/postgres.sh (${dir})`,
      stop: () => spawnSync('bash', [PG_HELPER, 'stop', dir], {stdio: 'ignore'}),
    }
  const lines = String(r.stderr || r.error?.message || '')
    .trim()
    .split('\n')
    .filter(Boolean)
  return {url: undefined, reason: lines.at(-1) ?? 'test/helpers/postgres.sh failed'}
}

/** Run the CLI in `cwd`; resolves with {code, json, stderr}. */
function breyta(cwd, args, input) {
  return new Promise((resolve) => {
    const env = {...process.env, NO_COLOR: '1'}
    delete env.BREYTA_WORKSPACE
    // Each machine finds the store through config.edn and its own secret, as a team would set it up.
    delete env.BREYTA_STORE_URL
    const child = execFile(process.execPath, [BIN, ...args, '--json'], {cwd, env}, (err, stdout, stderr) => {
      let json
      try {
        json = JSON.parse(stdout)
      } catch {}
      resolve({code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, json, stderr})
    })
    child.stdin?.end(input ?? '')
  })
}

async function must(cwd, args, input) {
  const r = await breyta(cwd, args, input)
  if (r.code !== 0) throw new Error(`breyta ${args.join(' ')} exited ${r.code}: ${r.json?.error?.message ?? r.stderr.trim()}`)
  return r.json.data
}

export async function runTeamDemo(options = {}) {
  const color = options.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR)
  const c = color ? pc : pc.createColors(false)
  const say = (line = '') => process.stdout.write(line + '\n')
  const explain = (text) => say(`        ${c.cyan('↳')} ${c.dim(text)}`)
  const cmd = (machine, text) => say(`${c.dim(`[${machine}]`.padEnd(9))}${c.bold('$')} breyta ${text}`)

  say(c.bold('breyta demo: team') + c.dim(' — two daemons, one PostgreSQL store, a callback sent to the other machine'))
  const pg = findPostgres()
  if (!pg.url) {
    say()
    say(c.red(c.bold('No PostgreSQL could start, so there is no team mode to show.')))
    say(c.red(`  ${pg.reason}`))
    say(c.dim('  Point the demo at one you have: BREYTA_STORE_URL=postgres://user:pass@host:5432/db npm run demo -- team'))
    say(c.dim("  (test/helpers/postgres.sh starts one when Debian's postgresql is installed, or can be as root.)"))
    return {status: 'no-postgres'}
  }
  say(`${c.bold('store')}      PostgreSQL, ${pg.how}`)
  delete process.env.BREYTA_STORE_URL

  const schema = `demo_${crypto.randomBytes(4).toString('hex')}`
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-demo-team-'))
  const machines = {laptop: path.join(base, 'laptop'), server: path.join(base, 'server')}
  const daemons = {}
  let result = {status: 'not-started'}
  // The remote worker: takes a job and its callback URL, and reports back to the server's daemon.
  const callbacks = []
  const worker = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      res.writeHead(200, {'content-type': 'application/json'}).end('{"accepted":true}')
      const {job, callback} = JSON.parse(body)
      const u = new URL(callback)
      const to = `${daemons.server.url}${u.pathname}${u.search}`
      say(`${c.magenta('worker')}   got ${job}; POST ${daemons.server.url}${u.pathname} ${c.dim("(the server's daemon, not the one that ran the step)")}`)
      callbacks.push(
        fetch(to, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({artifact: `${job}.tar.gz`})}).then(async (r) => {
          await r.text()
          say(`${c.magenta('worker')}   the server's daemon answered ${r.status === 202 ? c.green(String(r.status)) : c.red(String(r.status))}`)
          return r.status
        }),
      )
    })
  })
  await new Promise((r) => worker.listen(0, '127.0.0.1', r))
  const workerUrl = `http://127.0.0.1:${worker.address().port}`
  say(`${c.bold('worker')}     stand-in remote worker on ${workerUrl}`)
  say()
  try {
    for (const [name, dir] of Object.entries(machines)) {
      fs.mkdirSync(dir)
      await must(dir, ['init'])
      cmd(name, 'init')
      const config = path.join(dir, '.breyta', 'config.edn')
      const text = fs.readFileSync(config, 'utf8').trimEnd()
      fs.writeFileSync(config, `${text.slice(0, -1)}\n :store {:type :postgres :url-secret :team-db :schema "${schema}" :lease "5s"}}\n`)
      say(c.dim(`${''.padEnd(9)}config.edn: {:store {:type :postgres :url-secret :team-db :schema "${schema}" :lease "5s"}}`))
      await must(dir, ['secrets', 'set', 'team-db'], pg.url)
      cmd(name, "secrets set team-db   # the URL, from stdin: stays in this machine's secrets.edn")
    }
    fs.writeFileSync(path.join(machines.laptop, 'handoff.edn'), FLOW(workerUrl))
    await must(machines.laptop, ['flows', 'push', 'handoff.edn'])
    cmd('laptop', 'flows push handoff.edn')
    const rel = await must(machines.laptop, ['flows', 'release', 'handoff', '--note', 'team demo'])
    cmd('laptop', `flows release handoff   # v${rel.version}`)
    for (const dir of ['flows', 'releases'])
      fs.cpSync(path.join(machines.laptop, '.breyta', dir), path.join(machines.server, '.breyta', dir), {recursive: true})
    say(c.dim(`${''.padEnd(9)}(git push on the laptop, git pull on the server: flows and releases are files in git)`))

    for (const [name, dir] of Object.entries(machines)) {
      const d = await must(dir, ['daemon', 'start', '--port', '0', '--detach'])
      daemons[name] = {url: d.url, pid: d.pid}
      cmd(name, `daemon start --detach   # pid ${d.pid}, ${d.url}`)
    }
    const who = (pid) => Object.entries(daemons).find(([, d]) => d.pid === pid)?.[0] ?? `pid ${pid} (a CLI)`
    say()

    const E = await import(path.join(REPO_ROOT, 'dist', 'engine', 'index.js'))
    const started = await must(machines.laptop, ['flows', 'run', 'handoff', '--target', 'live', '--input', '{"ref": "abc123"}'])
    cmd('laptop', `flows run handoff --target live --input '{"ref": "abc123"}'   # run ${started.id}`)
    explain('with a daemon running, `flows run` hands the run over and returns; any daemon on the store may take it')
    const t0 = Date.parse(started['created-at'])
    const stamp = (at) => c.dim(`+${((Date.parse(at) - t0) / 1000).toFixed(2)}s`.padStart(7))
    const ws = await E.openWorkspace({explicit: machines.server, from: machines.server})
    const print = (raw) => {
      const e = E.plainEvent(raw)
      const t = stamp(e.at)
      switch (e.type) {
        case 'run_started':
        case 'run_resumed':
        case 'run_admitted':
          return say(`${t} ${e.type.replace('run_', '')} on the ${c.bold(who(e.pid))} ${c.dim(`(pid ${e.pid})`)}`)
        case 'step_completed':
          return say(`${t} ${c.green('✓')} ${e.step} ${c.dim('→ ' + JSON.stringify(e.output).slice(0, 80))}`)
        case 'wait_opened':
          say(`${t} ${c.yellow('⏸')} waiting on "${e.key}"`)
          return explain('parked: the run holds nothing while it waits; its state is rows in PostgreSQL')
        case 'wait_completed':
          return say(`${t} ${c.green('▶')} wait "${e.key}" completed by ${e.source} ${c.dim(JSON.stringify(e.payload))}`)
        case 'run_completed':
          return say(`${t} ${c.green(c.bold('completed'))}`)
        case 'run_failed':
          return say(`${t} ${c.red(c.bold('failed'))}: [${e.error.code}] ${e.error.message}`)
        default:
          return undefined
      }
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 60_000)
    say(c.dim(`following the run from the server's checkout (it reads the shared store):`))
    await E.followRun(ws, started.id, print, {signal: controller.signal, pollMs: 50})
    clearTimeout(timer)
    const statuses = await Promise.all(callbacks)
    await ws.closeStore()

    const shown = await must(machines.server, ['runs', 'show', started.id])
    say()
    cmd('server', `runs show ${started.id}`)
    say(`${c.bold('status')}  ${shown.status === 'completed' ? c.green(shown.status) : c.red(shown.status)}`)
    say(`${c.bold('output')}  ${JSON.stringify(shown.output)}`)
    const onDisk = fs.readdirSync(path.join(machines.laptop, '.breyta', 'runs')).length + fs.readdirSync(path.join(machines.server, '.breyta', 'runs')).length
    say(c.dim(`nothing of the run under either .breyta/runs/ (${onDisk} entries): runs, journals, waits, kv and resources live in PostgreSQL;`))
    say(c.dim('flows and releases stay in git, secrets on each machine. Were a daemon killed, its runs would be taken over by the'))
    say(c.dim('other once its lease (:lease, 5 s here, 15 s by default) expired.'))
    result = {status: shown.status, run: shown, callbacks: statuses}
  } finally {
    for (const dir of Object.values(machines)) if (fs.existsSync(path.join(dir, '.breyta'))) await breyta(dir, ['daemon', 'stop'])
    await new Promise((r) => worker.close(r))
    try {
      const {default: pgLib} = await import('pg')
      const client = new pgLib.Client({connectionString: pg.url})
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    } catch {}
    pg.stop()
    fs.rmSync(base, {recursive: true, force: true})
  }
  return result
}
