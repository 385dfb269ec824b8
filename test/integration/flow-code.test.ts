/**
 * Flow code end to end through the CLI: `for` with steps survives a kill -9 without re-running
 * the iterations it finished, a typo in a branch that never runs is caught by `flows
 * validate`, and a run that fails in flow code names the line and column of the form.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readRunEvents} from '../../src/engine/index.js'
import {cli, spawnCli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})

beforeAll(async () => {
  t = await tempWorkspace('breyta-flow-code-')
})
afterAll(() => {
  fs.writeFileSync(path.join(t.root, 'release-me'), '') // let any orphaned step process end
  t.cleanup()
})

describe('for with steps', () => {
  it('kill -9 in the third iteration, then `runs resume` runs only the unfinished one', async () => {
    const log = path.join(t.root, 'iterations.log')
    // Iteration 3 blocks until release-me exists, so the kill lands inside it.
    t.writeFlow(
      'loop',
      `{:slug :loop :name "Loop"
 :flow (for [x [1 2 3 4] :when (not= x 4)]
         (let [r (flow/step :exec :work {:command ["sh" "-c" (str "echo " x " >> ${log}; "
                                                                 "if [ " x " = 3 ]; then while [ ! -f release-me ]; do sleep 0.05; done; fi; "
                                                                 "echo " (* x 10))]})]
           (parse-long (clojure.string/trim (:stdout r)))))}`,
    )
    const child = spawnCli(['flows', 'run', 'loop', '--wait', '--json'], {cwd: t.root})
    await until(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('3'), 30_000)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const id = fs.readdirSync(path.join(t.root, '.breyta/runs'))[0]!

    fs.writeFileSync(path.join(t.root, 'release-me'), '')
    const resumed = await run('runs', 'resume', id, '--wait')
    expect(resumed.code).toBe(0)
    expect(resumed.json.data).toMatchObject({status: 'completed', output: [10, 20, 30]})
    // 1 and 2 finished before the kill and come from the journal; 3 runs again (at least once).
    expect(fs.readFileSync(log, 'utf8')).toBe('1\n2\n3\n3\n')
    expect(resumed.json.data.steps.map((s: {id: string; attempts: number}) => [s.id, s.attempts])).toEqual([
      ['work[0]', 1],
      ['work[1]', 1],
      ['work[2]', 2],
    ])
    expect(readRunEvents(t.ws.layout, id).some((e) => e.type === 'run_resumed')).toBe(true)
  }, 90_000)
})

describe('resolving before running', () => {
  it('flows validate --json reports a typo in a branch that never runs, with line, column and a did-you-mean', async () => {
    const file = path.join(t.root, 'typo.edn')
    fs.writeFileSync(
      file,
      `{:slug :typo
 :name "Typo"
 :flow (if (:never (flow/input))
         (clojure.string/uppercase (:name (flow/input)))
         (let [items [1 2]]
           (count itmes)))}
`,
    )
    const r = await run('flows', 'validate', '--file', file)
    expect(r.code).toBe(2)
    expect(r.json.error!.code).toBe('invalid_flow')
    expect(r.json.error!.details.problems).toEqual([
      {path: 'flow', message: "unknown function 'clojure.string/uppercase' (did you mean 'clojure.string/upper-case'?)", line: 4, column: 11, file},
      {path: 'flow', message: "unknown symbol 'itmes' (did you mean 'items'?)", line: 6, column: 19, file},
    ])
  })

  it('flows validate reports an unknown name in :functions code at its place in the file', async () => {
    const file = path.join(t.root, 'fns.edn')
    fs.writeFileSync(
      file,
      `{:slug :fns
 :name "Fns"
 :functions [{:id :shout :code "(fn [s] (str/uppercase s))"}]
 :flow (flow/step :function :loud {:ref :shout :input "hi"})}
`,
    )
    const r = await run('flows', 'validate', '--file', file)
    expect(r.code).toBe(2)
    expect(r.json.error!.details.problems).toEqual([
      {path: 'functions.0.code', message: "unknown function 'str/uppercase' (did you mean 'str/upper-case'?)", line: 3, column: 42, file},
    ])
  })
})

describe('errors in flow code', () => {
  it('a run failing in flow code names the form with its line and column, in runs show and --json', async () => {
    t.writeFlow(
      'fails',
      `{:slug :fails
 :name "Fails"
 :flow (let [n (:n (flow/input))]
         (for [x (range 2)]
           (+ x (inc n))))}
`,
    )
    const r = await run('flows', 'run', 'fails', '--wait')
    expect(r.code).toBe(5)
    const id = r.json.error!.details.run
    const shown = await run('runs', 'show', id)
    const error = shown.json.data.error
    expect(error.code).toBe('run_failed')
    expect(error.details).toMatchObject({form: '(inc n)', line: 5, column: 17})
    expect(error.message).toMatch(/^inc: expected a number, got nil \(nil\) in \(inc n\) \(flows\/fails\.edn, line 5, column 17\)$/)
    const human = await cli(['runs', 'show', id], {cwd: t.root})
    expect(human.stdout + human.stderr).toContain('line 5, column 17')
  })
})
