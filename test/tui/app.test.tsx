import {afterEach, describe, expect, it, vi} from 'vitest'
import {cleanup} from 'ink-testing-library'
import {KEYS, setup, tick} from './helpers.js'
import {run, step} from './fixtures.js'

afterEach(() => cleanup())

const rowsOf = (frame: string) => frame.split('\n')

describe('run list', () => {
  it('puts runs waiting on an approval first (longest waiting first), then newest first', async () => {
    const {frame} = await setup()
    const flows = rowsOf(frame())
      .map((line) => line.slice(2).trim().split(/\s+/)[0])
      .filter((w) => ['deploy-api', 'nightly-report', 'sync-issues', 'cleanup', 'release-notes'].includes(w!))
    expect(flows).toEqual(['release-notes', 'deploy-api', 'nightly-report', 'sync-issues', 'cleanup'])
    expect(frame()).toContain('2 waiting on approval')
    expect(frame()).toContain('approve? deploy-ok: Deploy api to pr…')
    expect(frame()).toContain('2 approvals: copy-ok, legal-ok')
  })

  it('w jumps to the next run waiting on a person, wrapping, and opens it from the run view', async () => {
    const {press, selectedRow, frame, shows} = await setup()
    expect(selectedRow()).toContain('release-notes')
    await press('w')
    expect(selectedRow()).toContain('deploy-api')
    await press('w')
    expect(selectedRow()).toContain('release-notes')
    await press(KEYS.down, KEYS.down, 'w')
    expect(selectedRow()).toContain('release-notes')
    await press(KEYS.enter)
    await shows('release-notes')
    await press('w')
    await shows('deploy-api  v3 live')
    expect(frame()).toContain('waits on deploy-ok')
  })

  it('shows status, age and current step for each run', async () => {
    const {frame} = await setup()
    const sync = rowsOf(frame()).find((l) => l.includes('sync-issues'))!
    expect(sync).toMatch(/sync-issues\s+running\s+3m\s+list-issues/)
    const cleanup = rowsOf(frame()).find((l) => l.includes('cleanup'))!
    expect(cleanup).toMatch(/failed\s+2h/)
  })

  it('moves the selection with arrows and j/k, and keeps it in range', async () => {
    const {press, selectedRow} = await setup()
    expect(selectedRow()).toContain('release-notes')
    await press(KEYS.down)
    expect(selectedRow()).toContain('deploy-api')
    await press('j', 'j')
    expect(selectedRow()).toContain('sync-issues')
    await press('k')
    expect(selectedRow()).toContain('nightly-report')
    await press(KEYS.up, KEYS.up, KEYS.up, KEYS.up)
    expect(selectedRow()).toContain('release-notes')
    await press('G')
    expect(selectedRow()).toContain('cleanup')
    await press('j')
    expect(selectedRow()).toContain('cleanup')
  })

  it('loads one page, and the next when the selection reaches its end', async () => {
    const many = Array.from({length: 300}, (_, i) => run(`01RUN${String(i).padStart(5, '0')}`, `flow-${i}`, 'completed', (i + 1) * 1000))
    const {source, frame, press, shows} = await setup({runs: many, props: {pageSize: 40}})
    expect(source.callsOf('listRuns')[0]).toEqual([{limit: 40}])
    expect(frame()).toContain('breyta runs (40+)')
    expect(rowsOf(frame()).length).toBeLessThanOrEqual(24)
    await press('G')
    await shows('breyta runs (80+)')
    expect(source.callsOf('listRuns').at(-1)).toEqual([{limit: 80}])
  })
})

describe('run view', () => {
  it('shows an approval as text with its context, folded until z, and scrolls it', async () => {
    const prompt =
      'Send this reply to Acme?\n\nHi Acme team,\n\nThanks for the **report**. ' +
      'We rolled the deploy back and are watching it closely. '.repeat(3) +
      '\n\n- a credit is on its way\n- we will write again'
    const reply = run('01RUN0REPLY', 'support', 'waiting', 1, {
      steps: [step('draft', 'llm', 'completed'), step('approve-reply', 'wait', 'waiting')],
      waits: [
        {
          key: 'approve-reply',
          step: 'approve-reply',
          status: 'open',
          approval: {prompt, show: {ticket: {id: 'T-1', customer: {name: 'Acme', plan: {tier: 'gold'}}}}},
          'callback-url': null,
          'timeout-at': null,
        },
      ],
    })
    const {press, frame, shows} = await setup({runs: [reply]})
    await press(KEYS.enter)
    await shows('── approval approve-reply')
    const rows = frame()
      .split('\n')
      .map((l) => l.trim())
    for (const line of ['Send this reply to Acme?', 'Hi Acme team,', '• a credit is on its way']) expect(rows).toContain(line)
    expect(frame()).not.toContain('\\n')
    expect(frame()).not.toContain('**')
    // Wrapped at word boundaries: every prompt row is made of whole words of the prompt.
    const words = new Set(prompt.replace(/\*\*/g, '').split(/\s+/))
    for (const row of rows.filter((r) => r.startsWith('We rolled') || r.startsWith('closely'))) for (const w of row.split(' ')) expect(words).toContain(w)
    await press(KEYS.pageDown)
    await shows('plan: {…1 key}')
    await press('z')
    await shows('tier: gold')
  })

  it('opens the selected run with its step timeline and the current step detail', async () => {
    const {press, frame, source, shows} = await setup()
    await press(KEYS.down, KEYS.enter)
    await shows('deploy-api  v3 live')
    expect(source.callsOf('getRun')).toContainEqual(['01RUN0DEPLOY'])
    const f = frame()
    expect(f).toMatch(/build\s+exec\s+completed\s+1m00s/)
    expect(f).toMatch(/tests\s+exec\s+completed\s+1m00s ×2/)
    expect(f).toContain('approve-deploy')
    // the step the run is parked at is selected and its input shown
    expect(f).toContain('── approve-deploy (wait)')
    expect(f).toContain('"id": "approve-deploy"')
    expect(f).toContain('approve? deploy-ok: Deploy api to prod?')
  })

  it("moves between steps and shows each one's output and error", async () => {
    const {press, frame, shows} = await setup()
    await press(KEYS.down, KEYS.enter)
    await shows('deploy-api  v3 live')
    await press('k', 'k')
    expect(frame()).toContain('── build (exec)')
    expect(frame()).toContain('"stdout": "built"')
    await press(KEYS.escape)
    expect(frame()).toContain('breyta runs')
    await press('G', KEYS.enter)
    await shows('step_failed: rm: permission denied (step rm)')
    expect(frame()).toContain('── error')
  })

  it('scrolls a long step detail with PgDn/PgUp', async () => {
    const lines = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n')
    const long = run('01RUNLONG', 'long-output', 'completed', 1000, {steps: [step('exec', 'exec', 'completed', {output: lines})]})
    const {press, frame, shows} = await setup({runs: [long]})
    await press(KEYS.enter)
    await shows('line 0')
    expect(frame()).not.toContain('line 40')
    await press(KEYS.pageDown, KEYS.pageDown)
    expect(frame()).not.toContain('line 0\n')
    const shown = Number(/line (\d+)/.exec(frame().split('── output')[1] ?? frame())![1])
    expect(shown).toBeGreaterThan(10)
    expect(frame()).toMatch(/lines \d+-\d+\/10\d PgUp\/PgDn/)
    await press(KEYS.pageUp, KEYS.pageUp, KEYS.pageUp)
    expect(frame()).toContain('── input')
  })

  it('goes back with esc and with backspace', async () => {
    const {press, frame, shows} = await setup()
    await press(KEYS.enter)
    await shows('release-notes  v3 live')
    await press(KEYS.backspace)
    expect(frame()).toContain('breyta runs (5)')
  })
})

describe('approvals', () => {
  it("approves a run's only open approval from the list, as the given user", async () => {
    const {press, frame, source, shows} = await setup()
    await press(KEYS.down, 'a')
    await shows('approved deploy-ok as alice')
    expect(source.callsOf('approve')).toEqual([['01RUN0DEPLOY', 'deploy-ok', {by: 'alice'}]])
    await shows('1 waiting on approval')
    expect(rowsOf(frame()).find((l) => l.includes('deploy-api'))).toContain('completed')
  })

  it('asks to open the run when it has several approvals, then approves the one picked with tab', async () => {
    const {press, frame, source, shows} = await setup()
    await press('a')
    expect(source.callsOf('approve')).toEqual([])
    expect(frame()).toContain('2 open approvals: open the run')
    await press(KEYS.enter)
    await shows('approve? legal-ok')
    await press(KEYS.tab, 'a')
    await shows('approved legal-ok as alice')
    expect(source.callsOf('approve')).toEqual([['01RUN0NOTES', 'legal-ok', {by: 'alice'}]])
  })

  it('rejects with a typed multi-line comment; enter adds a line, ctrl-d submits', async () => {
    const {press, type, frame, source, shows} = await setup()
    await press(KEYS.down, KEYS.enter)
    await shows('deploy-api  v3 live')
    await press('r')
    expect(frame()).toContain('reject comment:')
    await type('not on a friday')
    await press(KEYS.backspace)
    expect(frame()).toContain('not on a frida')
    expect(frame()).toContain('ctrl-d reject with this comment')
    await press(KEYS.enter)
    await type('next week')
    expect(frame()).toMatch(/reject comment: not on a frida\n\s+next week█/)
    await press(KEYS.ctrlD)
    await shows('rejected deploy-ok as alice')
    expect(source.callsOf('reject')).toEqual([['01RUN0DEPLOY', 'deploy-ok', {by: 'alice', comment: 'not on a frida\nnext week'}]])
  })

  it('keys typed into the comment are text, not commands; esc abandons the rejection', async () => {
    const {press, type, frame, source} = await setup()
    await press(KEYS.down, 'r')
    await type('q a c')
    expect(frame()).toContain('reject deploy-ok, comment: q a c')
    await press(KEYS.escape)
    expect(frame()).toContain('not rejected')
    expect(source.calls.filter((c) => c.method !== 'listRuns' && c.method !== 'getRun')).toEqual([])
  })

  it('refuses an empty rejection comment', async () => {
    const {press, frame, source} = await setup()
    await press(KEYS.down, 'r', KEYS.enter, KEYS.ctrlD)
    expect(frame()).toContain('a rejection needs a comment')
    expect(source.callsOf('reject')).toEqual([])
  })

  it('shows an action error in the status line and keeps running', async () => {
    const {press, frame, source, shows} = await setup()
    source.failNext('approve', {code: 'wait_already_completed', message: 'wait deploy-ok was already completed'})
    await press(KEYS.down, 'a')
    await shows('wait_already_completed: wait deploy-ok was already completed')
    await press('j')
    expect(frame()).toContain('breyta runs')
  })
})

describe('load failures', () => {
  it('shows a failed list load in the status line and recovers on the next change', async () => {
    const {frame, source, shows} = await setup({runs: []})
    source.failNext('listRuns', {code: 'internal', message: 'disk on fire'})
    source.add(run('01RUNX', 'after-error', 'queued', 0))
    await shows('internal: disk on fire')
    source.emit()
    await shows('after-error')
    expect(frame()).not.toContain('disk on fire')
  })

  it('shows a run that cannot be read instead of crashing, and esc still goes back', async () => {
    const {press, source, shows} = await setup()
    source.failNext('getRun', {code: 'run_not_found', message: 'run "01RUN0NOTES" has no journal'})
    await press(KEYS.enter)
    await shows('run_not_found: run "01RUN0NOTES" has no journal')
    await press(KEYS.escape)
    await shows('breyta runs (5)')
  })
})

describe('cancel', () => {
  it('asks y/n; n keeps the run, y cancels it', async () => {
    const {press, frame, source, shows} = await setup()
    await press('j', 'j', 'j', 'c')
    expect(frame()).toContain('Cancel run sync-issues 01RUN0SYNC? (y/n)')
    await press('n')
    expect(source.callsOf('cancel')).toEqual([])
    expect(frame()).toContain('not cancelled')
    await press('c', 'y')
    await shows(/sync-issues\s+cancelled/)
    expect(source.callsOf('cancel')).toEqual([['01RUN0SYNC']])
  })

  it('does not offer to cancel a finished run', async () => {
    const {press, frame, source} = await setup()
    await press('G', 'c')
    expect(frame()).toContain('run already failed; nothing to cancel')
    expect(frame()).not.toContain('(y/n)')
    expect(source.callsOf('cancel')).toEqual([])
  })
})

describe('filter', () => {
  it('filters by flow slug as you type, and esc clears it', async () => {
    const {press, type, frame, source, shows} = await setup()
    await press('/')
    await type('sync')
    await shows(/breyta runs \(1\)/)
    expect(source.callsOf('listRuns').at(-1)).toEqual([{limit: 50, filter: 'sync'}])
    expect(frame()).toContain('sync-issues')
    expect(frame()).not.toContain('deploy-api')
    await press(KEYS.escape)
    await shows('deploy-api')
  })

  it('filters by status, keeps the filter on enter, and clears it with esc from the list', async () => {
    const {press, type, frame, shows} = await setup()
    await press('/')
    await type('wait')
    await press(KEYS.enter)
    await shows(/breyta runs \(2\) · 2 waiting on approval · filter: wait/)
    expect(frame()).toContain('deploy-api')
    expect(frame()).not.toContain('nightly-report')
    await press(KEYS.escape)
    await shows('nightly-report')
  })
})

describe('help and quit', () => {
  it('? shows the keys, esc returns', async () => {
    const {press, frame} = await setup()
    await press('?')
    expect(frame()).toContain('breyta tui: keys')
    expect(frame()).toContain('approve the run')
    expect(frame()).toContain('Decisions are recorded as made by "alice"')
    await press(KEYS.escape)
    expect(frame()).toContain('breyta runs (5)')
  })

  it('q quits', async () => {
    const onQuit = vi.fn()
    const {press} = await setup({props: {onQuit}})
    await press('q')
    expect(onQuit).toHaveBeenCalledOnce()
  })
})

describe('live updates', () => {
  it('redraws the list when the source reports a change', async () => {
    const {frame, source, shows} = await setup()
    expect(frame()).toMatch(/sync-issues\s+running/)
    source.change('01RUN0SYNC', (r) => {
      r.status = 'completed'
      r.steps[0]!.status = 'completed'
    })
    await shows(/sync-issues\s+completed/)
    source.add(run('01RUN0NEW', 'brand-new', 'queued', 0))
    await shows('brand-new')
  })

  it('redraws the open run, and coalesces a burst of events into few loads', async () => {
    const {press, source, shows} = await setup()
    await press('j', 'j', 'j', KEYS.enter)
    await shows('sync-issues  v3 live')
    const before = source.callsOf('getRun').length
    for (let i = 0; i < 20; i++) source.emit()
    source.change('01RUN0SYNC', (r) => {
      r.steps[0]!.status = 'completed'
      r.steps.push(step('post-comment', 'http', 'running'))
    })
    await shows('post-comment')
    expect(source.callsOf('getRun').length - before).toBeLessThanOrEqual(2)
  })

  it('unsubscribes when it exits', async () => {
    const {source, app} = await setup()
    expect(source.subscriberCount).toBeGreaterThan(0)
    app.unmount()
    expect(source.subscriberCount).toBe(0)
  })
})

describe('80x24', () => {
  it('keeps every screen within 80 columns and 24 rows, whatever the data', async () => {
    const huge = 'x'.repeat(500)
    const runs = [
      run('01RUN0WIDE', `a-very-long-flow-slug-${huge}`, 'waiting', 1000, {
        steps: Array.from({length: 30}, (_, i) =>
          step(`step-with-a-long-id-${i}-${huge}`, 'http', 'completed', {output: {text: huge, nested: {deep: [huge, huge]}}}),
        ),
        waits: [approval2(`key-${huge}`, `prompt ${huge}`)],
      }),
      ...Array.from({length: 60}, (_, i) => run(`01RUN${i}`, `flow-${i}`, 'running', i * 1000, {steps: [step(`current-${huge}`, 'exec', 'running')]})),
    ]
    const {press, frame, shows} = await setup({runs})
    const check = () => {
      const lines = rowsOf(frame())
      expect(lines.length).toBeLessThanOrEqual(24)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
    }
    check()
    await press(KEYS.enter)
    await shows('v3 live')
    check()
    await press(KEYS.pageDown, 'j', 'j')
    check()
    await press('r')
    await press('c', 'o')
    check()
    await press(KEYS.escape, '?')
    check()
    await press(KEYS.escape, KEYS.escape, '/')
    check()
  })
})

function approval2(key: string, prompt: string) {
  return {key, status: 'open', approval: {prompt}, 'callback-url': null, 'timeout-at': null}
}
