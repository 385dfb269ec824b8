#!/usr/bin/env node
// Records the histories under test/fixtures/journals/ (issue 15): real runs of a few flows made
// by the built engine (dist/), each kept as its run's `events.jsonl` and pinned `flow.edn`,
// byte for byte, next to `expected.json` (the run's view as today's code projects it).
// test/engine/replay-history.test.ts replays them against the current engine, as Temporal's
// replay tests do with recorded histories, so a change that breaks old runs fails CI.
//
//   npm run build && node scripts/record-journals.mjs [NAME...] [--force]
//
// A recorded history is a run made by an older breyta and must keep replaying: never re-record
// one to make a failing replay pass. An existing fixture is left alone unless --force is given;
// add new scenarios instead (new names), e.g. after changing the journal format.
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin', 'run.js')
const out = path.join(root, 'test', 'fixtures', 'journals')
const engine = await import(path.join(root, 'dist', 'engine', 'index.js'))
const runStore = await import(path.join(root, 'dist', 'engine', 'store', 'fs', 'run-store.js'))

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function until(what, check, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Each scenario makes one run in a fresh workspace and returns its id. */
const scenarios = {
  // Function and exec steps, data passed between them, a branch.
  steps: {
    flow: `{:slug :steps
 :name "Steps"
 :functions [{:id :double :language :clojure :code "(fn [x] (* 2 x))"}]
 :flow (let [n     (:n (flow/input))
             a     (flow/step :function :double {:ref :double :input n})
             b     (flow/step :function :describe {:code "(fn [x] (str \\"got \\" x))" :input a})
             shell (flow/step :exec :shell {:command ["sh" "-c" "printf '%s' \\"$MSG\\""] :env {:MSG b}})
             c     (if (> a 5)
                     (flow/step :function :big {:code "(fn [x] {:big x})" :input a})
                     {:small a})]
         {:a a :b b :shell (:stdout shell) :c c :kw :done})}
`,
    async run(ws) {
      const run = await engine.createRun(ws, {slug: 'steps', input: engine.fromJson({n: 4})})
      return (await engine.driveRun(ws, run.id)).id
    },
  },

  // A wait that parks the run, completed by an approval (as `waits approve` does), then more steps.
  approval: {
    flow: `{:slug :approval
 :name "Approval"
 :flow (let [build (flow/step :function :build {:code "(fn [v] {:artifact (str \\"app-\\" v)})" :input (:version (flow/input))})
             ok    (flow/step :wait :approve {:key "approve" :approval {:prompt "Ship it?"} :timeout "24h"})]
         (if (= :approved (:decision ok))
           (flow/step :function :deploy {:code "(fn [a] {:deployed a})" :input (:artifact build)})
           {:skipped true :by (:by ok)}))}
`,
    async run(ws) {
      const run = await engine.createRun(ws, {slug: 'approval', input: engine.fromJson({version: '1.2.3'})})
      const parked = await engine.driveRun(ws, run.id)
      if (parked.status !== 'waiting') throw new Error(`approval: expected waiting, got ${parked.status}`)
      await engine.completeWait(ws, run.id, 'approve', {
        payload: engine.approvalPayload('approved', 'alice', 'ship it'),
        source: 'cli',
        by: 'alice',
        decision: 'approved',
      })
      return (await engine.driveRun(ws, run.id)).id
    },
  },

  // flow/map over four items, two at a time: ids get the index suffix, results keep their order.
  'flow-map': {
    flow: `{:slug :fan-out
 :name "Fan out"
 :flow (let [items   (flow/step :function :list {:code "(fn [_] [1 2 3 4])" :input {}})
             squares (flow/map items (fn [i] (flow/step :function :square {:code "(fn [x] (* x x))" :input i})) {:concurrency 2})]
         {:squares squares
          :sum (flow/step :function :sum {:code "(fn [xs] (reduce + 0 xs))" :input squares})})}
`,
    async run(ws) {
      const run = await engine.createRun(ws, {slug: 'fan-out'})
      return (await engine.driveRun(ws, run.id)).id
    },
  },

  // An http step whose first attempt gets a 503 (step_attempt_failed), the second a 200.
  retry: {
    flow: `{:slug :retry
 :name "Retry"
 :flow (let [r (flow/step :http :publish {:url (str (:base (flow/input)) "/publish")
                                          :json {:title "hello"}
                                          :retry {:max-attempts 3 :backoff "20ms"}})]
         {:status (:status r) :id (get-in r [:body :id])})}
`,
    async run(ws) {
      let calls = 0
      const server = http.createServer((req, res) => {
        req.resume()
        req.on('end', () => {
          calls++
          if (calls === 1) {
            res.writeHead(503, {'content-type': 'text/plain'}).end('busy')
          } else {
            res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({id: 'post-1'}))
          }
        })
      })
      await new Promise((r) => server.listen(0, '127.0.0.1', r))
      try {
        const run = await engine.createRun(ws, {slug: 'retry', input: engine.fromJson({base: `http://127.0.0.1:${server.address().port}`})})
        return (await engine.driveRun(ws, run.id)).id
      } finally {
        server.close()
      }
    },
  },

  // A CLI killed with SIGKILL while its second step runs (step_started, no completion), then
  // `runs resume`: the step runs again as attempt 2 and the run completes.
  crash: {
    flow: `{:slug :crash
 :name "Crash"
 :flow (let [a (flow/step :function :prepare {:code "(fn [x] {:prepared x})" :input (:job (flow/input))})
             b (flow/step :exec :work {:command ["sh" "-c" "if [ -f started ]; then printf second; else echo $$ > started; exec sleep 60; fi"]})]
         (flow/step :function :finish {:code "(fn [x] x)" :input {:a a :out (:stdout b)}}))}
`,
    async run(ws, dir) {
      const child = spawn(process.execPath, [bin, 'flows', 'run', 'crash', '--wait', '--json', '--input', '{"job": 7}'], {cwd: dir, stdio: 'ignore'})
      const started = path.join(dir, 'started')
      await until('the second step to start', () => fs.existsSync(started) && fs.readFileSync(started, 'utf8').trim() !== '')
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
      process.kill(Number(fs.readFileSync(started, 'utf8').trim()), 'SIGKILL') // the step's `sleep`
      const [id] = fs.readdirSync(ws.layout.runsDir)
      return (await engine.resumeRun(ws, id)).id
    },
  },
}

const force = process.argv.includes('--force')
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'))
for (const name of names.length > 0 ? names : Object.keys(scenarios)) {
  const scenario = scenarios[name]
  if (!scenario) throw new Error(`no scenario "${name}"; known: ${Object.keys(scenarios).join(', ')}`)
  const target = path.join(out, name)
  if (fs.existsSync(target) && !force) {
    console.log(`${name}: kept (recorded earlier; --force re-records it)`)
    continue
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `breyta-record-${name}-`))
  try {
    engine.initWorkspace(dir)
    const slug = /:slug :([\w-]+)/.exec(scenario.flow)[1]
    fs.writeFileSync(path.join(dir, '.breyta', 'flows', `${slug}.edn`), scenario.flow)
    const ws = await engine.openWorkspace({explicit: dir, from: dir})
    const id = await scenario.run(ws, dir)
    const view = engine.readRunView(ws.layout, id)
    if (view.status !== 'completed') throw new Error(`${name}: the run ended ${view.status}: ${JSON.stringify(view.error)}`)
    fs.rmSync(target, {recursive: true, force: true})
    fs.mkdirSync(target, {recursive: true})
    fs.copyFileSync(ws.layout.runJournal(id), path.join(target, 'events.jsonl'))
    // Recorded in the run-directory layout (flow.edn beside the journal), which runs still read.
    fs.writeFileSync(path.join(target, 'flow.edn'), runStore.readPinnedFlow(ws.layout, id))
    const events = engine.readRunEvents(ws.layout, id)
    const sha256 = (file) =>
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(target, file)))
        .digest('hex')
    const expected = {
      // The recorded files must stay byte for byte as they are (the test checks these).
      sha256: {'events.jsonl': sha256('events.jsonl'), 'flow.edn': sha256('flow.edn')},
      run: id,
      flow: view.flow,
      status: view.status,
      output: view.output,
      steps: view.steps.map((s) => ({id: s.id, type: s.type, status: s.status, attempts: s.attempts})),
      waits: view.waits.map((w) => ({key: w.key, status: w.status})),
      events: events.map((e) => e.type),
    }
    fs.writeFileSync(path.join(target, 'expected.json'), JSON.stringify(expected, null, 2) + '\n')
    console.log(`${name}: recorded run ${id} (${events.length} events)`)
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}
