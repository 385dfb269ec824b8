import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {kw, List, sym} from '../../../src/engine/edn/values.js'
import type {Problem} from '../../../src/engine/errors.js'
import {loadFlowFile, parseFlow, validateFlowText} from '../../../src/engine/flow/load.js'

const fixtures = path.resolve(__dirname, '../../fixtures/flows')
const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8')

function problems(text: string, options: {connections?: Set<string>} = {}): [number | undefined, number | undefined, string, string][] {
  const result = validateFlowText(text, options)
  expect(result.flow).toBeUndefined()
  return result.problems.map((p) => [p.line, p.column, p.path, p.message])
}

/** A minimal valid flow with `extra` entries and `body` as :flow. */
function flow(body: string, extra = ''): string {
  return `{:slug :t :name "T"${extra}\n :flow ${body}}`
}

describe('the valid fixture (every top-level key)', () => {
  const def = parseFlow(fixture('pr-review.edn'), {file: 'pr-review.edn', connections: new Set(['other'])})

  it('produces the FlowDefinition with keyword values as names', () => {
    expect(def.slug).toBe('pr-review')
    expect(def.name).toBe('PR review')
    expect(def.description).toMatch(/^Fetch a PR/)
    expect(def.concurrency).toEqual({type: 'keyed', key: [['repo'], ['pr', 'number']], max: 2, onConflict: 'skip', onNewVersion: 'supersede'})
    expect(def.triggers).toEqual([
      {type: 'manual'},
      {type: 'schedule', cron: '0 9 * * 1-5', timezone: 'Europe/Oslo', input: new Map([[kw('repo'), 'breyta']])},
      {type: 'webhook', secret: 'hook-secret'},
    ])
    expect(def.requires.map((r) => [r.slot, r.type])).toEqual([['gh', 'http']])
    expect(def.templates).toEqual(new Map([['review-prompt', 'Review {{diff}} for {{repo}}']]))
    expect(def.functions.get('summarize')).toEqual({id: 'summarize', language: 'clojure', code: '(fn [input] {:count (count (:items input))})'})
    expect((def.flow as List).items[0]).toBe(sym('let'))
    expect(def.raw.get(kw('slug'))).toBe(kw('pr-review'))
  })

  it('loads from a file', async () => {
    const loaded = await loadFlowFile(path.join(fixtures, 'pr-review.edn'))
    expect(loaded.slug).toBe('pr-review')
  })

  it('applies the defaults for optional keys', () => {
    const min = parseFlow(flow('(flow/input)'))
    expect(min.concurrency).toEqual({type: 'unlimited', onNewVersion: 'drain'})
    expect([min.triggers, min.requires, min.templates.size, min.functions.size, min.description]).toEqual([[], [], 0, 0, undefined])
    expect(parseFlow(flow('(flow/input)', ' :concurrency {:type :singleton}')).concurrency).toEqual({
      type: 'singleton',
      onConflict: 'queue',
      onNewVersion: 'drain',
    })
    expect(parseFlow(flow('(flow/input)', ' :concurrency {:type :keyed :key [:repo]}')).concurrency).toEqual({
      type: 'keyed',
      key: [['repo']],
      max: 1,
      onConflict: 'queue',
      onNewVersion: 'drain',
    })
  })

  it('accepts a string slug and unknown top-level keys', () => {
    expect(parseFlow(flow('(flow/input)', ' :x-extra 1').replace(':slug :t', ':slug "t-2"')).slug).toBe('t-2')
  })

  it("unwraps a quoted body written as '(...)", () => {
    const def2 = parseFlow(flow('\'(do (flow/step :sleep :nap {:duration "5m"}))'))
    expect((def2.flow as List).items[0]).toBe(sym('do'))
  })
})

describe('the invalid fixture: every problem at once, each where it is', () => {
  it('reports them all in text order with line and column', () => {
    const result = validateFlowText(fixture('invalid-many.edn'), {file: 'invalid-many.edn', connections: new Set(['gh'])})
    expect(result.flow).toBeUndefined()
    const got = result.problems.map((p: Problem) => `${p.line}:${p.column} ${p.path}: ${p.message}`)
    expect(got).toEqual([
      '1:1 name: missing :name (a string)',
      "1:8 slug: invalid slug :Bad_Slug: use lower-case letters, digits and '-', starting with a letter or digit",
      '2:15 description: :description must be a string, not 42',
      expect.stringMatching(/^3:15 concurrency\.key: keyed concurrency needs :key/),
      '3:42 concurrency.on-conflict: must be one of :queue, :skip, :cancel-previous, not :explode',
      '4:36 triggers.0.cron: invalid cron "61 * * * *": Invalid value for minute: 61',
      expect.stringMatching(/^5:58 triggers\.1\.timezone: unknown timezone "Mars\/Olympus"/),
      '6:20 triggers.2.type: unknown trigger type :carrier-pigeon: use one of :manual, :schedule, :webhook',
      '7:41 templates.1.id: duplicate template id :t (first at 7:19)',
      // The code's own read error, placed inside the :code string: col 28 is its '"'.
      "8:29 functions.0.code: code does not read: unclosed '(': no matching ')' before the end of the input",
      '9:28 functions.1.code: code must be one (fn [args] body) form',
      expect.stringMatching(/^11:60 flow\[fetch\]\.timeout: invalid duration "soon"/),
      expect.stringMatching(/^12:21 flow\[beam\]: unknown step type :teleport \(known types: .*:http.*:wait\)/),
      expect.stringMatching(/^13:27 flow\[fetch\]: duplicate step id :fetch \(first at 11:27\)/),
      '13:58 flow[fetch].retry: :max-attempts must be a positive integer, not 0',
      '14:43 flow[calc].ref: unknown function :nope (none are defined)',
      expect.stringMatching(/^15:46 flow\[post\]\.connection: unknown connection :nowhere.*known: :gh/),
      '16:25 flow: unknown template :missing (known: :t)',
    ])
    expect(result.problems.every((p) => p.file === 'invalid-many.edn')).toBe(true)
  })

  it('parseFlow throws invalid_flow carrying the same problems', async () => {
    const file = path.join(fixtures, 'invalid-many.edn')
    const err = await loadFlowFile(file).catch((e: unknown) => e)
    expect(err).toMatchObject({code: 'invalid_flow', exitCode: 2})
    const details = (err as {details: {problems: Problem[]}}).details
    expect(details.problems.length).toBeGreaterThanOrEqual(17)
    expect((err as Error).message).toContain(file)
  })
})

describe('syntax errors come back as problems with positions', () => {
  it('reports the reader problems without throwing from validateFlowText', () => {
    expect(problems('{:slug :t :name "T"\n :flow (do [1 2)}')).toEqual([[2, 16, '', "')' does not close '[' opened at 2:12"]])
  })

  it('rejects a top level that is not a map', () => {
    expect(problems('[:slug :t]')).toEqual([[1, 1, '', expect.stringContaining('must be an EDN map')]])
  })
})

describe('checks on the :flow body', () => {
  it('requires :flow to be a list', () => {
    expect(problems('{:slug :t :name "T"}')).toEqual([[1, 1, 'flow', expect.stringContaining('missing :flow')]])
    expect(problems(flow('[1 2]'))).toEqual([[2, 8, 'flow', expect.stringContaining(':flow must be a list')]])
  })

  it('allows repeated ids inside fn and loop bodies, not outside', () => {
    const ok = flow(
      '(do (flow/map [1 2] (fn [x] (do (flow/step :sleep :s {:duration 1}) (flow/step :sleep :s {:duration 1}))))\n (loop [i 0] (flow/step :sleep :s {:duration 1})))',
    )
    expect(validateFlowText(ok).problems).toEqual([])
    expect(problems(flow('(do (flow/step :sleep :s {:duration 1})\n     (flow/step :sleep :s {:duration 1}))')).map(([l, c, p]) => [l, c, p])).toEqual([
      [3, 24, 'flow[s]'],
    ])
  })

  it('allows the same id once in each branch of if/cond/case, not twice in one branch', () => {
    const ok = flow('(if (:x (flow/input)) (flow/step :sleep :s {:duration 1}) (flow/step :sleep :s {:duration 2}))')
    expect(validateFlowText(ok).problems).toEqual([])
    const cond = flow('(cond (:a (flow/input)) (flow/step :sleep :s {:duration 1}) :else (flow/step :sleep :s {:duration 2}))')
    expect(validateFlowText(cond).problems).toEqual([])
    const twice = flow('(do (flow/step :sleep :s {:duration 1})\n (if true (flow/step :sleep :s {:duration 1}) nil))')
    expect(problems(twice).map(([, , p]) => p)).toEqual(['flow[s]'])
  })

  it('skips quoted data and computed ids and configs', () => {
    expect(validateFlowText(flow('(do \'(flow/step :nope :x {}) (flow/step :http (str "a" 1) (flow/input)))')).problems).toEqual([])
  })

  it('checks the shape of a step call', () => {
    expect(problems(flow('(flow/step "http" 42 :x)')).map(([, , p, m]) => [p, m])).toEqual([
      ['flow[step]', expect.stringContaining('a step type must be a keyword')],
      ['flow', 'a step id must be a keyword or string, not 42'],
      ['flow[step]', 'a step config must be a map, not :x'],
    ])
    expect(problems(flow('(flow/step :http)'))[0]![3]).toMatch(/takes TYPE ID CONFIG, got 1 argument$/)
  })

  it('checks :retry and :timeout on any step, and the executor check', () => {
    const got = problems(flow('(flow/step :http :h {:timeout -5 :retry {:max-attempts 2 :backoff "0s" :factor 0.5 :tries 3}})'))
    expect(got.map(([, , p, m]) => `${p}: ${m}`)).toEqual([
      // The executor's own problem sits at the config map, which starts before :timeout.
      'flow[h]: needs :url, or :connection and :path',
      'flow[h].timeout: a duration must not be negative',
      'flow[h].retry: unknown :retry key :tries (use :max-attempts, :backoff, :factor)',
      'flow[h].retry: :backoff: a duration must be longer than zero',
      'flow[h].retry: :factor must be a number of at least 1, not 0.5',
    ])
  })

  it('checks :template and :connection refs, counting :requires slots as connections', () => {
    const text = flow(
      '(do (flow/step :llm :ask {:connection :model :template :nope}) (flow/step :http :get {:connection :gh :path "/"}))',
      '\n :requires [{:slot :gh}]',
    )
    expect(problems(text, {connections: new Set(['model'])}).map(([, , p, m]) => `${p}: ${m}`)).toEqual([
      'flow[ask].template: unknown template :nope (none are defined)',
    ])
    expect(problems(text, {connections: new Set()}).map(([, , p]) => p)).toEqual(['flow[ask].connection', 'flow[ask].template'])
    // Without a connection list, connections are not checked.
    expect(problems(text).map(([, , p]) => p)).toEqual(['flow[ask].template'])
  })
})

describe('checks on the other sections', () => {
  it('checks requires, triggers and functions shapes', () => {
    const text = `{:slug :t :name "T" :flow (do)
 :requires [{:type :http} "gh"]
 :triggers {:type :manual}
 :functions [{:id :f :language :python :code "(fn [x] x)"} {:id :f :code "(fn [y] y)"}]
 :concurrency {:type :keyed :key [[:a "b"]] :max 0 :on-new-version :later}}`
    expect(problems(text).map(([l, c, p]) => `${l}:${c} ${p}`)).toEqual([
      '2:13 requires.0.slot',
      '2:27 requires.1',
      '3:12 triggers',
      '4:32 functions.0.language',
      '4:65 functions.1.id',
      '5:35 concurrency.key.0',
      '5:50 concurrency.max',
      '5:68 concurrency.on-new-version',
    ])
  })

  it('reports a cron that never fires and a schedule without :cron', () => {
    expect(problems(flow('(do)', ' :triggers [{:type :schedule :cron "0 0 31 2 *"} {:type :schedule}]')).map(([, , p, m]) => `${p}: ${m}`)).toEqual([
      'triggers.0.cron: cron "0 0 31 2 *" never fires',
      expect.stringMatching(/^triggers\.1\.cron: a schedule trigger needs :cron/),
    ])
  })
})

describe('reference data', () => {
  it('keeps the list type of the body', () => {
    expect(parseFlow(flow('(flow/input)')).flow).toEqual(new List([sym('flow/input')]))
  })
})

describe('an approval with :show', () => {
  it('accepts a :show map (literal or computed) and rejects a literal that is not a map', () => {
    const body = (show: string) => flow(`(let [d (flow/input)] (flow/step :wait :ok {:key "ok" :approval {:prompt "Go?" :show ${show}}}))`)
    expect(validateFlowText(body('{:reply d :logs (:lines d)}')).problems).toEqual([])
    expect(validateFlowText(body('(select-keys d [:a])')).problems).toEqual([])
    const bad = problems(body('"draft"'))
    expect(bad).toHaveLength(1)
    expect(bad[0]![3]).toMatch(/:approval :show must be a map/)
  })
})
