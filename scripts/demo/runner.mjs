/**
 * The demo runner: one showcase flow from a fresh clone to a completed run, narrated.
 *
 * It does what a person would do, through the real CLI (`bin/run.js`, built into dist/):
 *   1. `breyta init` in a throwaway workspace under the OS temp dir
 *   2. start the stand-in servers the flow talks to (127.0.0.1 only), write
 *      .breyta/connections.edn for them and `breyta secrets set` their credentials
 *   3. `breyta flows push flows/NAME.edn`, and `breyta daemon start` if the flow needs one
 *   4. `breyta flows run NAME --input …`, then follow the run's journal and print each event
 *   5. answer approvals with `breyta waits approve|reject` (or leave them to `breyta tui`)
 *   6. print the output and the commands to inspect the run; stop the daemon and servers
 *
 * The CLI is spawned asynchronously on purpose: the SSH stand-in lives on this event loop.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pc from 'picocolors'
import {SCENARIOS} from './scenarios.mjs'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(REPO_ROOT, 'bin', 'run.js')
export const DEMO_NAMES = Object.keys(SCENARIOS)

/** The engine's public API from the build (`npm run build`). */
async function engine() {
  const entry = path.join(REPO_ROOT, 'dist', 'engine', 'index.js')
  if (!fs.existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` first (npm run demo does).')
  return import(entry)
}

/** Quote a shell word for the commands we print. */
function sh(word) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

function truncate(s, n) {
  const one = s.replace(/\s+/g, ' ')
  return one.length > n ? one.slice(0, n - 1) + '…' : one
}

/** A one-line glimpse of a step's output: HTTP responses as `STATUS body`, the rest as JSON. */
function preview(output) {
  if (output && typeof output === 'object' && 'status' in output && 'headers' in output && 'body' in output) {
    return truncate(`${output.status} ${JSON.stringify(output.body)}`, 90)
  }
  if (output && typeof output === 'object' && 'exit-code' in output && 'stdout' in output) {
    return truncate(`exit ${output['exit-code']} ${JSON.stringify(typeof output.stdout === 'string' ? output.stdout.trim() : output.stdout)}`, 90)
  }
  return truncate(JSON.stringify(output) ?? 'null', 90)
}

/**
 * @typedef {object} DemoOptions
 * @property {'approve'|'reject'} [decision]  how approvals are answered (default approve)
 * @property {boolean} [tui]      leave approvals to `breyta tui` and wait for the person
 * @property {(line: string) => void} [log]   where the narration goes (default stdout)
 * @property {boolean} [color]    colors (default: stdout is a TTY and NO_COLOR unset)
 * @property {number} [timeoutMs] give up on the run after this long (default 60 s; --tui: 30 min)
 * @property {string} [workspace] use this directory instead of a new temp dir
 *
 * @typedef {object} DemoResult
 * @property {string} name
 * @property {string} workspace  the directory holding .breyta/
 * @property {string|null} runId
 * @property {string} status     the run's final (or last seen) status
 * @property {any} run           `breyta runs show RUN --json` data
 * @property {Record<string, any>} servers  the stand-ins (closed by now), for assertions
 * @property {Record<string, string>} secrets  the secret values the demo set (to check none leaked)
 */

/**
 * Run one showcase demo end to end.
 * @param {string} name
 * @param {DemoOptions} [options]
 * @returns {Promise<DemoResult>}
 */
export async function runDemo(name, options = {}) {
  const scenario = SCENARIOS[name]
  if (!scenario) throw new Error(`unknown demo "${name}"; choose one of: ${DEMO_NAMES.join(', ')}`)
  const decision = options.decision ?? 'approve'
  const color = options.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR)
  const c = color ? pc : pc.createColors(false)
  const log = options.log ?? ((line) => process.stdout.write(line + '\n'))
  const timeoutMs = options.timeoutMs ?? (options.tui ? 30 * 60_000 : 60_000)
  let started = Date.now()
  /**
   * An event's own time since the run was created (its journal `at`), not the time we print it:
   * a run that parks before we read its journal would otherwise show every event at one moment.
   */
  const stamp = (at) => {
    const t = Date.parse(at)
    return c.dim(`+${(((Number.isNaN(t) ? Date.now() : t) - started) / 1000).toFixed(2)}s`.padStart(7))
  }
  const say = (line = '') => log(line)
  const explain = (text) => say(`        ${c.cyan('↳')} ${c.dim(text)}`)

  const workspace = options.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), `breyta-demo-${name}-`))
  fs.mkdirSync(workspace, {recursive: true})
  const env = {...process.env, NO_COLOR: '1', BREYTA_WORKSPACE: ''}
  delete env.BREYTA_WORKSPACE

  /** Run the CLI in the workspace; resolves with {code, stdout, stderr, json}. */
  const breyta = (args, {input, show = true, note} = {}) => {
    // Shown as a person would type it (the demo itself always asks for --json).
    const shown = args.filter((a) => a !== '--json').map((a) => (a.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, a) : a))
    if (show) say(`${c.bold('$')} breyta ${shown.map(sh).join(' ')}${note ? c.dim(`   # ${note}`) : ''}`)
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], {cwd: workspace, env, maxBuffer: 64 * 1024 * 1024}, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        let json
        try {
          json = JSON.parse(stdout)
        } catch {
          json = undefined
        }
        resolve({code, stdout, stderr, json})
      })
      child.stdin?.end(input ?? '')
    })
  }
  const must = async (args, opts) => {
    const r = await breyta(args, opts)
    if (r.code !== 0) throw new Error(`breyta ${args.join(' ')} exited ${r.code}: ${r.json?.error?.message ?? r.stderr.trim() ?? r.stdout.trim()}`)
    return r
  }

  say(c.bold(`breyta demo: ${name}`) + c.dim(` — ${scenario.title}`))
  for (const line of scenario.about) say(c.dim(`  ${line}`))
  say()
  say(`${c.bold('workspace')}  ${workspace}`)

  const servers = {}
  let secrets = {}
  let daemonStarted = false
  let runId = null
  let status = 'not-started'
  let run = null
  const E = await engine()
  try {
    await must(['init', '--json'], {show: false})
    say(`${c.bold('$')} breyta init`)

    // Stand-ins, connections and secrets.
    const setup = await scenario.setup({workspace, servers, repoRoot: REPO_ROOT})
    for (const [label, url] of Object.entries(setup.endpoints)) say(`${c.bold('stand-in')}   ${label.padEnd(10)} ${url}`)
    fs.writeFileSync(path.join(workspace, '.breyta', 'connections.edn'), setup.connections)
    say(c.dim(`wrote .breyta/connections.edn (${Object.keys(setup.endpoints).length} stand-ins; secret names only, no values)`))
    secrets = setup.secrets
    // What the scenario's tools need of the environment (e.g. a git config of its own) reaches
    // every CLI from here on, and so the flow's exec steps.
    Object.assign(env, setup.env)
    // These are independent (secrets.edn is written under a lock), so they run side by side.
    const setups = Object.entries(setup.secrets).map(([secret, value]) => must(['secrets', 'set', secret, '--json'], {input: value, note: 'value from stdin'}))
    // `flows push` checks the flow's :requires against the secrets, so it goes once they are set.
    setups.push(Promise.all([...setups]).then(() => must(['flows', 'push', path.join(REPO_ROOT, 'flows', `${name}.edn`), '--json'])))
    if (scenario.needsDaemon) {
      setups.push(
        breyta(['daemon', 'start', '--port', '0', '--detach', '--json'], {note: 'callbacks need an HTTP endpoint'}).then((r) => {
          if (r.code !== 0)
            throw new Error(`this demo needs the daemon (\`breyta daemon start\`): ${r.json?.error?.message ?? (r.stderr.trim() || r.stdout.trim())}`)
          daemonStarted = true
        }),
      )
    }
    const settled = await Promise.allSettled(setups)
    const failure = settled.find((x) => x.status === 'rejected')
    if (failure) throw failure.reason
    if (daemonStarted) {
      const info = await E.runningDaemon(await E.openWorkspace({explicit: workspace, from: workspace}))
      say(c.dim(`daemon listening on ${info?.url ?? '?'} (pid ${info?.pid ?? '?'})`))
    }
    say()

    // Start the run and find its id (without a daemon, `flows run` executes until it parks).
    const ws = await E.openWorkspace({explicit: workspace, from: workspace})
    const inputJson = JSON.stringify(setup.input)
    say(`${c.bold('$')} breyta flows run ${name} --input ${sh(truncate(inputJson, 100))}`)
    let driver = breyta(['flows', 'run', name, '--input', inputJson, '--json'], {show: false})
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const page = await E.listRuns(ws, {flow: name, limit: 1})
      if (page.items.length > 0) {
        runId = page.items[0].id
        break
      }
      const settled = await Promise.race([driver.then((r) => r), new Promise((r) => setTimeout(() => r(undefined), 20))])
      if (settled && settled.code !== 0 && (await E.listRuns(ws, {flow: name, limit: 1})).items.length === 0) {
        throw new Error(`flows run failed (exit ${settled.code}): ${settled.json?.error?.message ?? settled.stderr}`)
      }
      if (Date.now() > deadline) throw new Error('the run did not start')
    }
    say(c.dim(`run ${runId} (times below are since the run was created)`))
    started = Date.parse((await E.runView(ws, runId))['created-at']) || Date.now()

    // Follow the journal; answer approvals; explain what happens.
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()))
    const pending = []
    let tuiHinted = false
    const onWait = async (e) => {
      if (!e.approval) {
        if (!daemonStarted) {
          say(c.red(`wait "${e.key}" needs a callback and no daemon runs; complete it with: breyta waits complete ${runId} ${e.key} --payload '{…}'`))
          controller.abort()
        }
        return
      }
      if (options.tui) {
        if (tuiHinted) return
        tuiHinted = true
        say()
        say(c.yellow(c.bold(`The run is waiting for you. In another terminal, run:`)))
        say(`    ${c.bold(`breyta tui --workspace ${workspace}`)}`)
        say(c.dim(`    select the run (arrows or j/k, enter opens it), press a to approve or r to reject (it asks for a comment), q to quit.`))
        say(c.dim(`    (breyta is ./bin/run.js in this repo, or \`npm link\` it once.) Stand-ins keep running until the run ends; Ctrl-C stops the demo.`))
        say()
        return
      }
      // Without a daemon the process that parked the run must let go of it first.
      if (!daemonStarted) await driver
      say(c.yellow(decision === 'approve' ? 'approving as demo…' : 'rejecting as demo…'))
      const comment = decision === 'approve' ? (scenario.approveComment ?? 'looks good') : (scenario.rejectComment ?? 'not like this')
      driver = breyta(['waits', decision, runId, e.key, '--by', 'demo', '--comment', comment, '--json'])
      const r = await driver
      if (r.code !== 0) say(c.red(`waits ${decision} exited ${r.code}: ${r.json?.error?.message ?? r.stderr.trim()}`))
    }
    const stepTypes = new Map()
    const print = (raw) => {
      const e = E.plainEvent(raw)
      if (e.type === 'step_started') stepTypes.set(e.step, e['step-type'])
      const t = stamp(e.at)
      switch (e.type) {
        case 'run_created':
          return say(`${t} created ${e.flow} (${e.target}) input ${truncate(JSON.stringify(e.input), 70)}`)
        case 'run_started':
          return say(`${t} started (pid ${e.pid})`)
        case 'run_resumed':
          say(`${t} ${c.blue('resumed')} (pid ${e.pid})`)
          return explain('replay: the flow body runs again from the top; finished steps return their recorded output without running again')
        case 'run_admitted':
          return say(`${t} admitted from the queue`)
        case 'step_started':
          return say(`${t} ${c.blue('▶')} ${e.step} ${c.dim(`(${e['step-type']})`)}${e.attempt > 1 ? c.yellow(` attempt ${e.attempt}`) : ''}`)
        case 'step_completed': {
          say(`${t} ${c.green('✓')} ${e.step}${e.reused ? c.dim(' (recorded output reused)') : ''} ${c.dim('→ ' + preview(e.output))}`)
          const note = scenario.explain?.(e)
          return note ? explain(note) : undefined
        }
        case 'step_attempt_failed':
          say(
            `${t} ${c.yellow('↻')} ${e.step} attempt ${e.attempt} failed: ${truncate(e.error.message, 80)}${e['retry-in-ms'] === undefined ? '' : ` — retry in ${e['retry-in-ms']} ms`}`,
          )
          return explain(scenario.explain?.(e) ?? "the failure is journaled; the step's :retry policy decides whether to try again")
        case 'step_failed': {
          say(`${t} ${c.red('✗')} ${e.step}: ${e.error.message}`)
          // A program's own words say more than its exit code.
          const stderr = typeof e.error.details?.stderr === 'string' ? e.error.details.stderr.trim() : ''
          for (const line of stderr.split('\n').filter(Boolean).slice(-5)) say(c.dim(`        ${line}`))
          return undefined
        }
        case 'wait_opened': {
          const prompt = e.approval ? `: ${truncate(e.approval.prompt, 100)}` : ''
          say(`${t} ${c.yellow('⏸')} waiting on "${e.key}"${prompt}`)
          if (!e.approval)
            explain(scenario.explain?.(e) ?? `completes when something POSTs to this wait's callback URL (or: breyta waits complete ${runId} ${e.key})`)
          pending.push(onWait(e))
          return
        }
        case 'wait_completed':
          return say(
            `${t} ${c.green('▶')} wait "${e.key}" completed by ${e.by ?? e.source}${e.decision ? ` (${e.decision})` : ''} ${c.dim('payload ' + truncate(JSON.stringify(e.payload), 80))}`,
          )
        case 'sleep_started':
          return say(`${t} ☾ ${e.step} sleeps until ${e.until}`)
        case 'run_parked':
          say(`${t} ${c.yellow('parked')} (${e.status})`)
          return explain('nothing runs while a run is parked: its state is the journal on disk, so this could wait for days')
        case 'run_completed':
          return say(`${t} ${c.green(c.bold('completed'))}`)
        case 'run_failed':
          return say(`${t} ${c.red(c.bold('failed'))}: [${e.error.code}] ${e.error.message}`)
        case 'run_cancelled':
          return say(`${t} cancelled${e.reason ? `: ${e.reason}` : ''}`)
        case 'log':
          return say(`${t} ${stepTypes.get(e.step) === 'notify' ? c.magenta('✉') : c.dim('·')} ${e.step ? c.dim(`[${e.step}] `) : ''}${e.message}`)
        default:
          return undefined
      }
    }
    let view = await E.followRun(ws, runId, print, {signal: controller.signal, pollMs: 50})
    clearTimeout(timer)
    await Promise.all(pending)
    await driver
    // The last driver may still be writing the final snapshot: read the run as the CLI shows it.
    const shown = await must(['runs', 'show', runId, '--json'], {show: false})
    run = shown.json.data
    status = run.status
    if (controller.signal.aborted && !E.TERMINAL_STATUSES.includes(view.status))
      say(c.red(`gave up after ${Math.round(timeoutMs / 1000)} s; the run is ${status}`))

    say()
    say(`${c.bold('status')}  ${status === 'completed' ? c.green(status) : c.red(status)}`)
    if (run.error) say(c.red(`error   [${run.error.code}] ${run.error.message}`))
    say(c.bold('output'))
    for (const line of JSON.stringify(run.output, null, 2).split('\n')) say('  ' + line)
    for (const line of scenario.summary?.(run, servers) ?? []) say(c.dim(line))
    say()
    say(c.bold('Inspect it') + c.dim(' (breyta is ./bin/run.js in this repo, or `npm link` it once):'))
    const wsFlag = `--workspace ${workspace}`
    say(`  breyta runs show ${runId} --steps ${wsFlag}`)
    say(`  breyta runs logs ${runId} ${wsFlag}`)
    say(`  breyta runs show ${runId} --json ${wsFlag}`)
    say(`  breyta tui ${wsFlag}`)
    return {name, workspace, runId, status, run, servers, secrets}
  } finally {
    if (daemonStarted) await breyta(['daemon', 'stop', '--json'], {show: false})
    await Promise.all(Object.values(servers).map((s) => s.close().catch(() => {})))
  }
}
