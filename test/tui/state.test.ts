/** The TUI's reducer on its own: keys, loads and engine outcomes as actions, no Ink render. */
import {describe, expect, it} from 'vitest'
import type {Key} from 'ink'
import {
  bodyHeight,
  initialState,
  inputMode,
  keyToAction,
  reduce,
  runLayout,
  selectedIndex,
  selectedRun,
  shownStatus,
  stepIndex,
  waitIndex,
  type Action,
  type TuiState,
} from '../../src/tui/state.js'
import type {RunDetail} from '../../src/tui/types.js'
import {fixtureRuns, noKeys as none, run, step} from './fixtures.js'
import {summarize} from './memory-source.js'

/** A key press: a printable string, or Ink's flags for a named key. */
type Press = string | {input?: string; key: Partial<Key>}
const K = {
  up: {key: {upArrow: true}},
  down: {key: {downArrow: true}},
  enter: {key: {return: true}},
  escape: {key: {escape: true}},
  backspace: {key: {delete: true}},
  tab: {key: {tab: true}},
  pageDown: {key: {pageDown: true}},
  pageUp: {key: {pageUp: true}},
  ctrlD: {input: 'd', key: {ctrl: true}},
} satisfies Record<string, Press>

function press(state: TuiState, ...keys: Press[]): TuiState {
  return keys.reduce(
    (s, p) =>
      typeof p === 'string' ? reduce(s, {type: 'input', input: p, key: none}) : reduce(s, {type: 'input', input: p.input ?? '', key: {...none, ...p.key}}),
    state,
  )
}

const type = (state: TuiState, text: string) => press(state, ...text.split(''))
const apply = (state: TuiState, ...actions: Action[]) => actions.reduce(reduce, state)

function details(): Map<string, RunDetail> {
  return new Map(fixtureRuns().map((r) => [r.id, r]))
}

/** The state after the first page of fixture runs arrived (list order: notes, deploy, nightly, sync, cleanup). */
function loaded(options: {pageSize?: number; rows?: number} = {}): TuiState {
  const state = initialState({by: 'alice', pageSize: options.pageSize ?? 50, size: {columns: 80, rows: options.rows ?? 24}})
  return reduce(state, {type: 'runsLoaded', items: fixtureRuns().map(summarize)})
}

const selectedFlow = (state: TuiState) => selectedRun(state)?.flow

/** Open the selected run and deliver its detail, as the loader would. */
function openSelected(state: TuiState): TuiState {
  const opened = press(state, K.enter)
  if (opened.screen.name !== 'run') throw new Error('enter did not open a run')
  return reduce(opened, {type: 'runLoaded', run: details().get(opened.screen.runId)!})
}

describe('run list', () => {
  it('starts on the first row of the ordered page, loading', () => {
    const fresh = initialState({by: 'alice', pageSize: 50, size: {columns: 80, rows: 24}})
    expect(fresh.runsLoading).toBe(true)
    expect(selectedRun(fresh)).toBeUndefined()
    const state = loaded()
    expect(state.runsLoading).toBe(false)
    expect(state.runs!.map((r) => r.flow)).toEqual(['release-notes', 'deploy-api', 'nightly-report', 'sync-issues', 'cleanup'])
    expect(selectedFlow(state)).toBe('release-notes')
  })

  it('moves the selection within the list: never above the first row or below the last', () => {
    let state = loaded()
    state = press(state, K.down, 'j')
    expect(selectedFlow(state)).toBe('nightly-report')
    state = press(state, 'k', K.up, K.up, K.up)
    expect(selectedIndex(state)).toBe(0)
    state = press(state, ...Array<Press>(10).fill('j'))
    expect(selectedIndex(state)).toBe(4)
    expect(selectedFlow(state)).toBe('cleanup')
    // Pressing past the end still selects that run, not a row number: an older run arriving keeps cleanup selected.
    const older = run('01RUN0ANCIENT', 'ancient', 'completed', 1000 * 60_000)
    state = reduce(state, {type: 'runsLoaded', items: [...fixtureRuns(), older].map(summarize)})
    expect(selectedFlow(state)).toBe('cleanup')
    state = reduce(state, {type: 'runsLoaded', items: fixtureRuns().map(summarize)})
    state = press(state, 'g')
    expect(selectedIndex(state)).toBe(0)
    state = press(state, 'G')
    expect(selectedIndex(state)).toBe(4)
    // A page that is not full: the end of it asks for nothing more.
    expect(state.limit).toBe(50)
  })

  it('pages by the rows the list has, and asks for the next page when the selection reaches the end of a full one', () => {
    let state = loaded({pageSize: 5, rows: 8})
    expect(bodyHeight(state)).toBe(5)
    state = press(state, K.pageDown)
    expect(selectedIndex(state)).toBe(3)
    expect(state.limit).toBe(5)
    state = press(state, 'j')
    expect(selectedIndex(state)).toBe(4)
    expect(state.limit).toBe(10)
    state = press(state, K.pageUp)
    expect(selectedIndex(state)).toBe(1)
  })

  it('keeps the selected run selected when a reload reorders the list, and falls back to its row when it is gone', () => {
    let state = press(loaded(), K.down)
    expect(selectedFlow(state)).toBe('deploy-api')
    // deploy-api was approved elsewhere: it no longer sorts to the top.
    const runs = fixtureRuns()
    const deploy = runs.find((r) => r.id === '01RUN0DEPLOY')!
    deploy.waits = []
    deploy.status = 'completed'
    state = reduce(state, {type: 'runsLoaded', items: runs.map(summarize)})
    expect(state.runs!.map((r) => r.flow)).toEqual(['release-notes', 'nightly-report', 'sync-issues', 'deploy-api', 'cleanup'])
    expect(selectedFlow(state)).toBe('deploy-api')
    expect(selectedIndex(state)).toBe(3)
    // Now it is gone (e.g. filtered out): the row it was on stays selected, clamped to the list.
    state = reduce(state, {
      type: 'runsLoaded',
      items: runs
        .filter((r) => r.id !== '01RUN0DEPLOY')
        .slice(0, 2)
        .map(summarize),
    })
    expect(state.runs!.length).toBe(2)
    expect(selectedIndex(state)).toBe(1)
  })

  it('shows a load error until a load succeeds', () => {
    let state = reduce(loaded(), {type: 'runsFailed', error: 'internal: disk on fire'})
    expect(shownStatus(state)).toEqual({tone: 'error', text: 'internal: disk on fire'})
    expect(state.runs).not.toBeNull()
    state = reduce(state, {type: 'runsLoaded', items: []})
    expect(shownStatus(state)).toBeNull()
  })

  it('w selects the next run waiting on a person, wrapping', () => {
    let state = press(loaded(), 'w')
    expect(selectedFlow(state)).toBe('deploy-api')
    expect(state.status?.text).toBe('deploy-api 01RUN0DEPLOY waits on deploy-ok')
    state = press(state, 'w')
    expect(selectedFlow(state)).toBe('release-notes')
    expect(state.screen).toEqual({name: 'list'})
  })
})

describe('filter', () => {
  it('types into the filter (keys are text there), restarts the selection, keeps it on enter and clears it with esc', () => {
    let state = press(loaded(), K.down, '/')
    expect(inputMode(state)).toBe('text')
    state = type(state, 'sync q')
    expect(state.filter).toBe('sync q')
    expect(state.quit).toBe(false)
    expect(state.listSel).toEqual({id: null, index: 0})
    state = press(state, K.backspace, K.backspace)
    expect(state.filter).toBe('sync')
    state = press(state, K.enter)
    expect(state.prompt).toBeNull()
    expect(state.filter).toBe('sync')
    expect(inputMode(state)).toBe('normal')
    state = press(state, K.escape)
    expect(state.filter).toBe('')
  })

  it('esc while typing drops the filter; / from the run view goes back to the list', () => {
    let state = press(loaded(), '/')
    state = press(type(state, 'wait'), K.escape)
    expect(state.filter).toBe('')
    expect(state.prompt).toBeNull()
    state = press(openSelected(state), '/')
    expect(state.screen).toEqual({name: 'list'})
    expect(state.prompt).toEqual({kind: 'filter'})
    expect(state.detail).toBeNull()
  })
})

describe('run view', () => {
  it("opens the selected run at its current step, ignores another run's detail, and goes back with esc", () => {
    let state = press(loaded(), K.down, K.enter)
    expect(state.screen).toEqual({name: 'run', runId: '01RUN0DEPLOY'})
    expect(state.detail).toBeNull()
    state = reduce(state, {type: 'runLoaded', run: details().get('01RUN0NOTES')!})
    expect(state.detail).toBeNull()
    state = reduce(state, {type: 'runLoaded', run: details().get('01RUN0DEPLOY')!})
    expect(state.detail?.id).toBe('01RUN0DEPLOY')
    expect(stepIndex(state)).toBe(2)
    state = press(state, 'k', 'k', 'k')
    expect(stepIndex(state)).toBe(0)
    state = press(state, 'G', 'j')
    expect(stepIndex(state)).toBe(2)
    state = press(state, K.escape)
    expect(state.screen).toEqual({name: 'list'})
    expect(state.detail).toBeNull()
    expect(selectedFlow(state)).toBe('deploy-api')
  })

  it("opening another run does not show the previous run's load error", () => {
    let state = press(loaded(), K.enter)
    state = reduce(state, {type: 'runFailed', error: 'run_not_found: gone'})
    expect(shownStatus(state)?.text).toBe('run_not_found: gone')
    state = press(state, K.escape, K.down, K.enter)
    expect(shownStatus(state)).toBeNull()
  })

  it('scrolls the detail pane a page at a time, within the text, and a step change scrolls back to the top', () => {
    const lines = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n')
    const long = run('01RUNLONG', 'long-output', 'completed', 1000, {
      steps: [step('one', 'exec', 'completed'), step('exec', 'exec', 'completed', {output: lines})],
    })
    let state = reduce(initialState({by: 'alice', pageSize: 50, size: {columns: 80, rows: 24}}), {type: 'runsLoaded', items: [summarize(long)]})
    state = reduce(press(state, K.enter), {type: 'runLoaded', run: long})
    const layout = runLayout(state)!
    const maxScroll = layout.lines.length - layout.detailH
    state = press(state, K.pageDown)
    expect(state.scroll).toBe(layout.detailH)
    state = press(state, ...Array<Press>(20).fill(K.pageDown))
    expect(state.scroll).toBe(maxScroll)
    state = press(state, K.pageUp)
    expect(state.scroll).toBe(maxScroll - layout.detailH)
    state = press(state, 'k')
    expect(state.scroll).toBe(0)
  })

  it('tab selects the next open approval, wrapping; z unfolds', () => {
    let state = openSelected(loaded())
    expect(state.detail?.id).toBe('01RUN0NOTES')
    expect(waitIndex(state)).toBe(0)
    state = press(state, K.tab)
    expect(waitIndex(state)).toBe(1)
    state = press(state, K.tab)
    expect(waitIndex(state)).toBe(0)
    expect(press(state, 'z').unfold).toBe(true)
  })
})

describe('approvals', () => {
  it("a approves the selected run's only approval: an engine request, one at a time, then its outcome", () => {
    let state = press(loaded(), K.down, 'a')
    expect(state.request?.call).toEqual({kind: 'approve', runId: '01RUN0DEPLOY', key: 'deploy-ok', by: 'alice'})
    expect(state.status).toEqual({tone: 'info', text: 'approving deploy-ok…'})
    const inFlight = state.request
    state = press(state, 'c', 'y')
    expect(state.request).toBe(inFlight)
    state = reduce(state, {type: 'requestDone'})
    expect(state.request).toBeNull()
    expect(state.status).toEqual({tone: 'info', text: 'approved deploy-ok as alice'})
  })

  it('a failed request shows its error and frees the way for the next', () => {
    let state = press(loaded(), K.down, 'a')
    state = reduce(state, {type: 'requestFailed', error: 'wait_already_completed: wait deploy-ok was already completed'})
    expect(state.status).toEqual({tone: 'error', text: 'wait_already_completed: wait deploy-ok was already completed'})
    state = press(state, 'a')
    expect(state.request?.call.kind).toBe('approve')
  })

  it('does not guess among several approvals or approve a run that has none', () => {
    let state = press(loaded(), 'a')
    expect(state.request).toBeNull()
    expect(state.status?.text).toBe('2 open approvals: open the run (enter) and pick one with tab')
    state = press(state, 'j', 'j', 'r')
    expect(state.prompt).toBeNull()
    expect(state.status?.text).toBe('nightly-report has no open approval')
    // In the run view, the approval picked with tab.
    state = press(openSelected(press(state, 'g')), K.tab, 'a')
    expect(state.request?.call).toEqual({kind: 'approve', runId: '01RUN0NOTES', key: 'legal-ok', by: 'alice'})
  })

  it('r opens the comment prompt; typed keys are text; ctrl-d with a comment asks to reject, without one it refuses', () => {
    let state = press(openSelected(press(loaded(), K.down)), 'r')
    expect(state.prompt).toEqual({kind: 'reject', runId: '01RUN0DEPLOY', key: 'deploy-ok', comment: ''})
    expect(inputMode(state)).toBe('lines')
    state = press(state, K.enter, ' ', K.ctrlD)
    expect(state.request).toBeNull()
    expect(state.status).toEqual({tone: 'error', text: 'a rejection needs a comment (esc to go back)'})
    state = press(state, K.backspace, K.backspace)
    state = type(state, 'not on a friday q')
    state = press(state, K.enter)
    state = type(state, 'next week')
    expect(state.prompt).toMatchObject({comment: 'not on a friday q\nnext week'})
    expect(state.quit).toBe(false)
    state = press(state, K.ctrlD)
    expect(state.prompt).toBeNull()
    expect(state.request).toEqual({
      call: {kind: 'reject', runId: '01RUN0DEPLOY', key: 'deploy-ok', by: 'alice', comment: 'not on a friday q\nnext week'},
      pending: 'rejecting deploy-ok…',
      done: 'rejected deploy-ok as alice',
    })
  })

  it('esc abandons a rejection', () => {
    let state = press(loaded(), K.down, 'r')
    state = press(type(state, 'no'), K.escape)
    expect(state.prompt).toBeNull()
    expect(state.request).toBeNull()
    expect(state.status?.text).toBe('not rejected')
  })
})

describe('cancel', () => {
  it('asks y/n for a live run; n keeps it, y asks the engine to cancel', () => {
    let state = press(loaded(), 'j', 'j', 'j', 'c')
    expect(state.prompt).toEqual({kind: 'cancel', runId: '01RUN0SYNC', flow: 'sync-issues'})
    expect(inputMode(state)).toBe('confirm')
    state = press(state, 'n')
    expect(state.prompt).toBeNull()
    expect(state.status?.text).toBe('not cancelled')
    state = press(state, 'c', 'x')
    expect(state.prompt).not.toBeNull()
    state = press(state, 'y')
    expect(state.request).toEqual({call: {kind: 'cancel', runId: '01RUN0SYNC'}, pending: 'cancelling…', done: 'cancelled sync-issues 01RUN0SYNC'})
  })

  it('does not offer to cancel a finished run', () => {
    const state = press(loaded(), 'G', 'c')
    expect(state.prompt).toBeNull()
    expect(state.status?.text).toBe('run already failed; nothing to cancel')
  })
})

describe('help, quit and resize', () => {
  it('? shows help; any key closes it, q there quits', () => {
    let state = press(loaded(), '?')
    expect(inputMode(state)).toBe('help')
    state = press(state, K.escape)
    expect(state.help).toBe(false)
    expect(state.quit).toBe(false)
    expect(press(state, '?', 'q').quit).toBe(true)
    expect(press(state, 'q').quit).toBe(true)
  })

  it('keys that mean nothing change nothing', () => {
    const state = loaded()
    expect(keyToAction(state, 'x', none)).toBeNull()
    expect(press(state, 'x')).toBe(state)
  })

  it('a resize changes the rows the body gets; the same size is no change', () => {
    const state = loaded()
    expect(reduce(state, {type: 'resize', columns: 80, rows: 24})).toBe(state)
    const small = apply(state, {type: 'resize', columns: 60, rows: 10})
    expect(bodyHeight(small)).toBe(7)
    expect(bodyHeight(press(small, '/'))).toBe(6)
  })
})
