/**
 * `flows graph`: the picture names every step and branch of the showcase flows, its Mermaid is
 * accepted by mermaid's own parser (mermaid 11 under jsdom), and `runs show --graph` colours a
 * run's steps by state.
 */
import fs from 'node:fs'
import path from 'node:path'
import {JSDOM} from 'jsdom'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readEdn} from '../../../src/engine/edn/read.js'
import {analyzeBody, graphSteps, renderGraph} from '../../../src/engine/flow/graph.js'
import {flowGraph} from '../../../src/engine/operations/graph.js'
import {cli, REPO_ROOT, tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

type Mermaid = {parse(text: string): Promise<unknown>}
let mermaid: Mermaid

beforeAll(async () => {
  // mermaid reads `window`/`document` when it loads; Node has neither.
  const dom = new JSDOM('<!doctype html><html><body></body></html>')
  Object.assign(globalThis, {window: dom.window, document: dom.window.document, DOMParser: dom.window.DOMParser})
  mermaid = (await import('mermaid')).default as unknown as Mermaid
})

const SHOWCASE = path.join(REPO_ROOT, 'flows')
const showcase = fs.readdirSync(SHOWCASE).filter((f) => f.endsWith('.edn'))

/** Step ids as written in the file, found by text rather than by the analysis under test. */
function writtenStepIds(text: string): string[] {
  return [...text.matchAll(/\(flow\/step\s+:[\w-]+\s+:([\w-]+)/g)].map((m) => m[1]!)
}

/** The `if` forms whose arms call steps, by their test as written (one line). */
const BRANCHES: Record<string, string[]> = {
  'agent-pr.edn': ['if (= :approved (:decision review))'],
  'content-pipeline.edn': ['if (= :approved (:decision review))'],
  'support-handoff.edn': ['if (= :approved (:decision review))', 'if (= "high" (:severity triage))', 'if (:credit? triage)'],
  'hello.edn': [],
  'remote-agent.edn': [],
}

describe('flows graph of the showcase flows', () => {
  it('covers every showcase flow', () => {
    expect(showcase.sort()).toEqual(Object.keys(BRANCHES).sort())
  })

  for (const file of showcase) {
    it(`${file}: every step id and branch, in each format, and Mermaid that mermaid.parse accepts`, async () => {
      const text = fs.readFileSync(path.join(SHOWCASE, file), 'utf8')
      const ids = writtenStepIds(text)
      expect(ids.length).toBeGreaterThan(0)
      const mermaidOut = await flowGraph(undefined, undefined, {file: path.join(SHOWCASE, file)})
      expect(mermaidOut.format).toBe('mermaid')
      expect(mermaidOut.steps.map((s) => s.id)).toEqual(ids)
      const outline = (await flowGraph(undefined, undefined, {file: path.join(SHOWCASE, file), format: 'text'})).graph
      const dot = (await flowGraph(undefined, undefined, {file: path.join(SHOWCASE, file), format: 'dot'})).graph
      for (const id of ids) {
        expect(mermaidOut.graph).toContain(`"${id} · `)
        expect(outline).toContain(`- ${id} (`)
        expect(dot).toContain(`label="${id} · `)
      }
      for (const branch of BRANCHES[file]!) {
        expect(outline).toContain(`? ${branch}\n`)
        expect(mermaidOut.graph).toContain(`{"${branch.replaceAll('"', '#quot;')}"}`)
      }
      // Each branch node has its two arms as labelled edges.
      const branchNodes = [...mermaidOut.graph.matchAll(/^ {2}(n\d+)\{"/gm)].map((m) => m[1]!)
      expect(branchNodes).toHaveLength(BRANCHES[file]!.length)
      for (const n of branchNodes) {
        expect(mermaidOut.graph).toMatch(new RegExp(`^ {2}${n} -->\\|"then"\\| n\\d+$`, 'm'))
        expect(mermaidOut.graph).toMatch(new RegExp(`^ {2}${n} -->\\|"else"\\| n\\d+$`, 'm'))
      }
      await expect(mermaid.parse(mermaidOut.graph)).resolves.toBeTruthy()
    })
  }

  it('mermaid.parse rejects a broken graph (so the acceptance above means something)', async () => {
    const good = (await flowGraph(undefined, undefined, {file: path.join(SHOWCASE, 'support-handoff.edn')})).graph
    await expect(mermaid.parse(good.replace('n5{"if', 'n5{"if"{'))).rejects.toThrow()
    await expect(mermaid.parse(good.replace(' --> ', ' --> ((('))).rejects.toThrow()
  })
})

describe('the analysis', () => {
  const body = readEdn(`
    (let [a (flow/step :http :fetch {:path "/x"})
          b (cond (:big a) (flow/step :exec :big {:command ["true"]})
                  (:small a) (flow/step :exec :small {:command ["true"]})
                  :else nil)
          c (case (:kind a) "x" (flow/step :notify :x {:message "x"}) (flow/step :notify :other {:message "o"}))
          d (when (:ok a) (flow/step :wait :ask {:key "ask" :approval {:prompt "ok?"}}))
          e (for [item (:items a)] (flow/step :http :each {:path (str "/" item)}))
          f (condp = (:mode a) :fast (flow/step :sleep :nap {:duration "1s"}) nil)
          g (if (:pure a) (inc 1) (dec 1))]
      (doseq [x e] (flow/step :kv :save {:op :set :key x :value 1}))
      (flow/step :wait :callback {:key "cb"}))`)
  const items = analyzeBody(body)

  it('finds steps in every kind of branch and fan-out, in order, and no branch without steps', () => {
    expect(graphSteps(items).map((s) => s.id)).toEqual(['fetch', 'big', 'small', 'x', 'other', 'ask', 'each', 'nap', 'save', 'callback'])
    const outline = renderGraph(items, 'text')
    expect(outline).toBe(
      [
        '- fetch (http)',
        '? cond',
        '  (:big a):',
        '    - big (exec)',
        '  (:small a):',
        '    - small (exec)',
        '  else:',
        '    (no steps)',
        '? case (:kind a)',
        '  "x":',
        '    - x (notify)',
        '  default:',
        '    - other (notify)',
        '? when (:ok a)',
        '  then:',
        '    - ask (wait, approval)',
        '  else:',
        '    (no steps)',
        '* for [item (:items a)]',
        '  - each (http)',
        '? condp = (:mode a)',
        '  :fast:',
        '    - nap (sleep)',
        '  default:',
        '    (no steps)',
        '* doseq [x e]',
        '  - save (kv)',
        '- callback (wait)',
        '',
      ].join('\n'),
    )
  })

  it('draws waits as hexagons and fan-outs with a join, and parses', async () => {
    const out = renderGraph(items, 'mermaid')
    expect(out).toContain('{{"ask · approval"}}')
    expect(out).toContain('{{"callback · wait"}}')
    expect(out).toContain('[/"for [item (:items a)]"/]')
    expect(out).toContain('[\\"all done"/]')
    await expect(mermaid.parse(out)).resolves.toBeTruthy()
  })
})

describe('the commands', () => {
  let tmp: TempWorkspace
  beforeAll(async () => {
    tmp = await tempWorkspace('breyta-graph-')
  })
  afterAll(() => tmp.cleanup())

  it('flows graph --json returns {format, graph, steps} for a draft', async () => {
    fs.copyFileSync(path.join(SHOWCASE, 'agent-pr.edn'), path.join(tmp.root, '.breyta', 'flows', 'agent-pr.edn'))
    const r = await cli(['flows', 'graph', 'agent-pr', '--format', 'dot', '--json'], {cwd: tmp.root})
    expect(r.code).toBe(0)
    expect(Object.keys(r.json.data)).toEqual(['format', 'graph', 'steps'])
    expect(r.json.data.format).toBe('dot')
    expect(r.json.data.graph).toMatch(/^digraph "agent-pr" \{/)
    expect(r.json.data.steps[3]).toEqual({id: 'merge', type: 'wait', wait: 'approval'})
    const missing = await cli(['flows', 'graph', 'nope', '--json'], {cwd: tmp.root})
    expect(missing.json.error?.code).toBe('flow_not_found')
    const neither = await cli(['flows', 'graph', '--json'], {cwd: tmp.root})
    expect([neither.code, neither.json.error?.code]).toEqual([2, 'invalid_input'])
  })

  it('runs show --graph colours each step by its state in the run', async () => {
    tmp.writeFlow(
      'gated',
      `{:slug :gated :name "Gated" :triggers [{:type :manual}]
        :functions [{:id :id :language :clojure :code "(fn [x] x)"}]
        :flow (let [a (flow/step :function :prepare {:ref :id :input 1})
                    ok (flow/step :wait :approve {:key "approve" :approval {:prompt "Go?"}})]
                (if (= :approved (:decision ok))
                  (flow/step :function :ship {:ref :id :input a})
                  (flow/step :function :drop {:ref :id :input a})))}`,
    )
    const run = await cli(['flows', 'run', 'gated', '--json'], {cwd: tmp.root})
    expect(run.json.data.status).toBe('waiting')
    const shown = await cli(['runs', 'show', run.json.data.id, '--graph', '--json'], {cwd: tmp.root})
    expect(shown.code).toBe(0)
    const states = Object.fromEntries(shown.json.data.graph.steps.map((s: {id: string; state: string}) => [s.id, s.state]))
    expect(states).toEqual({prepare: 'completed', approve: 'waiting', ship: 'skipped', drop: 'skipped'})
    expect(shown.json.data.graph.graph).toMatch(/^ {2}class n1 completed$/m)
    expect(shown.json.data.graph.graph).toMatch(/^ {2}class n2 waiting$/m)
    await expect(mermaid.parse(shown.json.data.graph.graph)).resolves.toBeTruthy()
    const text = await cli(['runs', 'show', run.json.data.id, '--graph', '--format', 'text'], {cwd: tmp.root})
    expect(text.stdout).toContain('- approve (wait, approval)  [waiting]')
  })

  it('draws a released version with --target live and --version N', async () => {
    // `gated` was written by the test above; release it, then change the draft.
    expect((await cli(['flows', 'release', 'gated', '--json'], {cwd: tmp.root})).code).toBe(0)
    const draft = fs.readFileSync(path.join(tmp.root, '.breyta', 'flows', 'gated.edn'), 'utf8')
    tmp.writeFlow('gated', draft.replace(':drop', ':discard'))
    const ids = async (args: string[]) =>
      (await cli(['flows', 'graph', 'gated', ...args, '--json'], {cwd: tmp.root})).json.data.steps.map((s: {id: string}) => s.id)
    expect(await ids([])).toEqual(['prepare', 'approve', 'ship', 'discard'])
    expect(await ids(['--target', 'live'])).toEqual(['prepare', 'approve', 'ship', 'drop'])
    expect(await ids(['--version', '1'])).toEqual(['prepare', 'approve', 'ship', 'drop'])
  })
})
