/**
 * The TUI's whole state and every change to it, as a pure reducer: keys, loads, resizes and
 * the outcome of engine calls are actions. The reducer never calls the engine; it records
 * the call it wants (`request`) and hooks/use-engine-request.ts makes it. So the screens'
 * behaviour can be tested without a terminal, and keys apply in order to the newest state.
 */
import type {Key} from 'ink'
import type {StatusMessage} from './components/StatusLine.js'
import {clamp} from './format.js'
import {keyToCommand, type Command, type InputMode} from './keymap.js'
import {commentRows, layoutRunView, MAX_COMMENT_ROWS, type RunViewLayout} from './screens/run-view-layout.js'
import {isTerminal, openApprovals, orderRuns, type RunDetail, type RunSummary} from './types.js'

export type Screen = {name: 'list'} | {name: 'run'; runId: string}

export type Prompt = null | {kind: 'filter'} | {kind: 'reject'; runId: string; key: string; comment: string} | {kind: 'cancel'; runId: string; flow: string}

/** An engine call the state asks for; `pending` and `done` are the status line around it. */
export interface EngineRequest {
  call:
    | {kind: 'approve'; runId: string; key: string; by: string}
    | {kind: 'reject'; runId: string; key: string; by: string; comment: string}
    | {kind: 'cancel'; runId: string}
  pending: string
  done: string
}

export interface TuiState {
  /** Who decisions are recorded as made by. */
  by: string
  /** Runs loaded per page; `limit` grows by this when the selection reaches the last row. */
  pageSize: number
  size: {columns: number; rows: number}
  screen: Screen
  help: boolean
  prompt: Prompt
  status: StatusMessage | null
  filter: string
  limit: number
  /** The list selection follows the run (by id) across live reorderings; the index is the fallback. */
  listSel: {id: string | null; index: number}
  /** -1: not chosen yet, use initialStep(). */
  stepSel: number
  waitSel: number
  scroll: number
  unfold: boolean
  /** The loaded page, ordered as the list shows it (null before the first load). */
  runs: RunSummary[] | null
  runsLoading: boolean
  runsError: string | null
  /** The open run's detail; only ever the run `screen` names. */
  detail: RunDetail | null
  runError: string | null
  /** The engine call asked for and not finished yet; while there is one, no other starts. */
  request: EngineRequest | null
  quit: boolean
}

export type Action =
  | {type: 'input'; input: string; key: Key}
  | {type: 'command'; command: Command}
  | {type: 'resize'; columns: number; rows: number}
  | {type: 'runsLoading'}
  | {type: 'runsLoaded'; items: RunSummary[]}
  | {type: 'runsFailed'; error: string}
  | {type: 'runLoaded'; run: RunDetail}
  | {type: 'runFailed'; error: string}
  | {type: 'requestDone'}
  | {type: 'requestFailed'; error: string}

export function initialState(options: {by: string; pageSize: number; size: {columns: number; rows: number}}): TuiState {
  return {
    by: options.by,
    pageSize: options.pageSize,
    size: options.size,
    screen: {name: 'list'},
    help: false,
    prompt: null,
    status: null,
    filter: '',
    limit: options.pageSize,
    listSel: {id: null, index: 0},
    stepSel: -1,
    waitSel: 0,
    scroll: 0,
    unfold: false,
    runs: null,
    runsLoading: true,
    runsError: null,
    detail: null,
    runError: null,
    request: null,
    quit: false,
  }
}

const info = (text: string): StatusMessage => ({tone: 'info', text})

// ---- derived values (the screens and the reducer both read these) ----

export function width(state: TuiState): number {
  return Math.max(20, state.size.columns)
}

/**
 * Rows of the body: what the status line, key hints and the filter field leave. One row stays
 * free because Ink redraws the whole screen (flicker) when a frame fills the terminal.
 */
export function bodyHeight(state: TuiState): number {
  return Math.max(4, state.size.rows - 3 - (bottomInput(state) ? 1 : 0))
}

/** The filter field, or the reject comment in the list (which has no room of its own for it), goes below the body. */
export function bottomInput(state: TuiState): boolean {
  return state.prompt?.kind === 'filter' || (state.prompt?.kind === 'reject' && state.screen.name === 'list')
}

export function selectedIndex(state: TuiState): number {
  const runs = state.runs ?? []
  const found = state.listSel.id === null ? -1 : runs.findIndex((r) => r.id === state.listSel.id)
  return clamp(found >= 0 ? found : state.listSel.index, 0, Math.max(0, runs.length - 1))
}

export function selectedRun(state: TuiState): RunSummary | undefined {
  return state.runs?.[selectedIndex(state)]
}

/** True when the page is full, so scrolling past the end loads more. */
export function hasMore(state: TuiState): boolean {
  return (state.runs?.length ?? 0) >= state.limit
}

/** The step to show first: the one the run is at (not completed), else the last one. */
function initialStep(run: RunDetail): number {
  const active = run.steps.findIndex((s) => s.status !== 'completed')
  return active >= 0 ? active : Math.max(0, run.steps.length - 1)
}

export function stepIndex(state: TuiState): number {
  const {detail} = state
  if (detail === null) return 0
  return clamp(state.stepSel < 0 ? initialStep(detail) : state.stepSel, 0, Math.max(0, detail.steps.length - 1))
}

export function waitIndex(state: TuiState): number {
  const open = state.detail === null ? 0 : openApprovals(state.detail).length
  return clamp(state.waitSel, 0, Math.max(0, open - 1))
}

export function rejectComment(state: TuiState): string | null {
  return state.prompt?.kind === 'reject' ? state.prompt.comment : null
}

/** The run view's layout for this state (null while no run is shown); costs a pass over the step's text. */
export function runLayout(state: TuiState): RunViewLayout | null {
  if (state.detail === null) return null
  const comment = rejectComment(state)
  const rejectRows = comment === null ? 0 : commentRows(comment, MAX_COMMENT_ROWS)
  return layoutRunView(state.detail, stepIndex(state), bodyHeight(state), width(state), rejectRows, state.unfold)
}

export function inputMode(state: TuiState): InputMode {
  if (state.help) return 'help'
  switch (state.prompt?.kind) {
    case undefined:
      return 'normal'
    case 'cancel':
      return 'confirm'
    case 'reject':
      return 'lines'
    case 'filter':
      return 'text'
  }
}

/** The value the key map edits in a text mode. */
function editedText(state: TuiState): string {
  return state.prompt?.kind === 'filter' ? state.filter : (rejectComment(state) ?? '')
}

/** The status line: the last message, else the shown screen's load error. */
export function shownStatus(state: TuiState): StatusMessage | null {
  const loadError = state.screen.name === 'run' ? state.runError : state.runsError
  return state.status ?? (loadError === null ? null : {tone: 'error', text: loadError})
}

// ---- transitions ----

/** A key press as an action for this state; null for keys that mean nothing here. */
export function keyToAction(state: TuiState, input: string, key: Key): Action | null {
  const command = keyToCommand(input, key, inputMode(state), editedText(state))
  return command.type === 'none' ? null : {type: 'command', command}
}

/** Ask for an engine call, unless one is still running (then the key does nothing, as before). */
function requestCall(state: TuiState, request: EngineRequest): TuiState {
  if (state.request !== null) return state
  return {...state, request, status: info(request.pending)}
}

function selectListIndex(state: TuiState, index: number): TuiState {
  const runs = state.runs ?? []
  const i = clamp(index, 0, Math.max(0, runs.length - 1))
  // Reaching the last loaded row of a full page asks for the next page.
  const limit = hasMore(state) && i >= runs.length - 1 ? state.limit + state.pageSize : state.limit
  return {...state, listSel: {id: runs[i]?.id ?? null, index: i}, limit}
}

/** Show run `runId` in the run view, from its current step. */
function openRun(state: TuiState, runId: string): TuiState {
  const same = state.screen.name === 'run' && state.screen.runId === runId
  return {...state, screen: {name: 'run', runId}, stepSel: -1, waitSel: 0, scroll: 0, ...(same ? {} : {detail: null, runError: null})}
}

function back(state: TuiState): TuiState {
  return {...state, screen: {name: 'list'}, status: null, detail: null}
}

/** The approval `a`/`r` act on: the run's only one, or the selected one in the run view; a string says why there is none. */
function approvalTarget(state: TuiState): {runId: string; key: string} | string | null {
  if (state.screen.name === 'run') {
    if (state.detail === null) return null
    const wait = openApprovals(state.detail)[waitIndex(state)]
    return wait === undefined ? 'this run has no open approval' : {runId: state.detail.id, key: wait.key}
  }
  const run = selectedRun(state)
  if (run === undefined) return null
  const open = run['waiting-approvals']
  if (open.length === 0) return `${run.flow} has no open approval`
  if (open.length > 1) return `${open.length} open approvals: open the run (enter) and pick one with tab`
  return {runId: run.id, key: open[0]!.key}
}

function approve(state: TuiState): TuiState {
  const target = approvalTarget(state)
  if (target === null) return state
  if (typeof target === 'string') return {...state, status: info(target)}
  const {by} = state
  return requestCall(state, {call: {kind: 'approve', ...target, by}, pending: `approving ${target.key}…`, done: `approved ${target.key} as ${by}`})
}

function startReject(state: TuiState): TuiState {
  const target = approvalTarget(state)
  if (target === null) return state
  if (typeof target === 'string') return {...state, status: info(target)}
  return {...state, prompt: {kind: 'reject', ...target, comment: ''}}
}

function askCancel(state: TuiState): TuiState {
  const target = state.screen.name === 'run' ? state.detail : selectedRun(state)
  if (target === null || target === undefined) return state
  if (isTerminal(target.status)) return {...state, status: info(`run already ${target.status}; nothing to cancel`)}
  return {...state, prompt: {kind: 'cancel', runId: target.id, flow: target.flow}}
}

/** `w`: the next run (after the current one, wrapping) that waits on a person; opens it in the run view. */
function jumpToWaiting(state: TuiState): TuiState {
  const runs = state.runs ?? []
  const current = state.screen.name === 'run' ? state.screen.runId : selectedRun(state)?.id
  const from = runs.findIndex((r) => r.id === current)
  const next = [...runs.slice(from + 1), ...runs.slice(0, from + 1)].find((r) => r['waiting-approvals'].length > 0 && r.id !== current)
  if (next === undefined) {
    const currentWaits = runs.find((r) => r.id === current)?.['waiting-approvals'].length ?? 0
    return {...state, status: info(currentWaits > 0 ? 'no other run waits on a person' : 'no run waits on a person')}
  }
  const selected = {...state, listSel: {id: next.id, index: runs.indexOf(next)}}
  const shown = state.screen.name === 'run' ? openRun(selected, next.id) : selected
  return {...shown, status: info(`${next.flow} ${next.id} waits on ${next['waiting-approvals'].map((a) => a.key).join(', ')}`)}
}

function onList(state: TuiState, command: Command): TuiState {
  const at = selectedIndex(state)
  const page = Math.max(1, bodyHeight(state) - 2)
  switch (command.type) {
    case 'up':
      return selectListIndex(state, at - 1)
    case 'down':
      return selectListIndex(state, at + 1)
    case 'pageUp':
      return selectListIndex(state, at - page)
    case 'pageDown':
      return selectListIndex(state, at + page)
    case 'home':
      return selectListIndex(state, 0)
    case 'end':
      return selectListIndex(state, (state.runs?.length ?? 0) - 1)
    case 'open': {
      const run = selectedRun(state)
      return run === undefined ? state : {...openRun(state, run.id), status: null}
    }
    case 'back':
      return state.filter === '' ? state : {...state, filter: ''}
    default:
      return state
  }
}

function scrollDetail(state: TuiState, direction: 1 | -1): TuiState {
  const layout = runLayout(state)
  const page = layout?.detailH ?? 1
  const maxScroll = layout === null ? 0 : Math.max(0, layout.lines.length - layout.detailH)
  return {...state, scroll: clamp(Math.min(state.scroll, maxScroll) + direction * page, 0, maxScroll)}
}

function moveStep(state: TuiState, to: number): TuiState {
  const last = Math.max(0, (state.detail?.steps.length ?? 1) - 1)
  return {...state, stepSel: clamp(to, 0, last), scroll: 0}
}

function onRun(state: TuiState, command: Command): TuiState {
  const open = state.detail === null ? 0 : openApprovals(state.detail).length
  switch (command.type) {
    case 'up':
      return moveStep(state, stepIndex(state) - 1)
    case 'down':
      return moveStep(state, stepIndex(state) + 1)
    case 'home':
      return moveStep(state, 0)
    case 'end':
      return moveStep(state, Number.MAX_SAFE_INTEGER)
    case 'pageUp':
      return scrollDetail(state, -1)
    case 'pageDown':
      return scrollDetail(state, 1)
    case 'nextWait':
      return open > 1 ? {...state, waitSel: (waitIndex(state) + 1) % open} : state
    case 'unfold':
      return {...state, unfold: !state.unfold}
    case 'back':
      return back(state)
    default:
      return state
  }
}

function onNormal(state: TuiState, command: Command): TuiState {
  switch (command.type) {
    case 'help':
      return {...state, help: true}
    case 'quit':
      return {...state, quit: true}
    case 'filter':
      return {...(state.screen.name === 'run' ? back(state) : state), prompt: {kind: 'filter'}}
    case 'approve':
      return approve(state)
    case 'reject':
      return startReject(state)
    case 'nextWaiting':
      return jumpToWaiting(state)
    case 'cancel':
      return askCancel(state)
    default:
      return state.screen.name === 'list' ? onList(state, command) : onRun(state, command)
  }
}

function onFilterPrompt(state: TuiState, command: Command): TuiState {
  switch (command.type) {
    case 'edit':
      return {...state, filter: command.value, listSel: {id: null, index: 0}}
    case 'dismiss':
      return {...state, filter: '', prompt: null}
    case 'submit':
      return {...state, prompt: null}
    default:
      return state
  }
}

function onRejectPrompt(state: TuiState, prompt: Extract<Prompt, {kind: 'reject'}>, command: Command): TuiState {
  switch (command.type) {
    case 'edit':
      return {...state, prompt: {...prompt, comment: command.value}}
    case 'dismiss':
      return {...state, prompt: null, status: info('not rejected')}
    case 'submit': {
      const comment = prompt.comment.trim()
      if (comment === '') return {...state, status: {tone: 'error', text: 'a rejection needs a comment (esc to go back)'}}
      const {runId, key} = prompt
      return requestCall(
        {...state, prompt: null},
        {call: {kind: 'reject', runId, key, by: state.by, comment}, pending: `rejecting ${key}…`, done: `rejected ${key} as ${state.by}`},
      )
    }
    default:
      return state
  }
}

function onCancelPrompt(state: TuiState, prompt: Extract<Prompt, {kind: 'cancel'}>, command: Command): TuiState {
  if (command.type === 'no') return {...state, prompt: null, status: info('not cancelled')}
  if (command.type !== 'yes') return state
  const closed = {...state, prompt: null}
  return requestCall(closed, {call: {kind: 'cancel', runId: prompt.runId}, pending: 'cancelling…', done: `cancelled ${prompt.flow} ${prompt.runId}`})
}

function onCommand(state: TuiState, command: Command): TuiState {
  const {prompt} = state
  if (state.help) return command.type === 'quit' ? {...state, quit: true} : {...state, help: false}
  if (prompt === null) return onNormal(state, command)
  if (prompt.kind === 'filter') return onFilterPrompt(state, command)
  if (prompt.kind === 'reject') return onRejectPrompt(state, prompt, command)
  return onCancelPrompt(state, prompt, command)
}

type LoadAction = Extract<Action, {type: 'runsLoading' | 'runsLoaded' | 'runsFailed' | 'runLoaded' | 'runFailed'}>

function onLoad(state: TuiState, action: LoadAction): TuiState {
  switch (action.type) {
    case 'runsLoading':
      return state.runsLoading ? state : {...state, runsLoading: true}
    case 'runsLoaded':
      return {...state, runs: orderRuns(action.items), runsLoading: false, runsError: null}
    case 'runsFailed':
      return {...state, runsError: action.error, runsLoading: false}
    case 'runLoaded':
      // A late answer for a run no longer shown must not replace the one that is.
      return state.screen.name === 'run' && state.screen.runId === action.run.id ? {...state, detail: action.run, runError: null} : state
    case 'runFailed':
      return {...state, runError: action.error}
  }
}

/** Loads, resizes and finished engine calls. */
function onEvent(state: TuiState, action: Exclude<Action, {type: 'input' | 'command'}>): TuiState {
  switch (action.type) {
    case 'resize':
      return action.columns === state.size.columns && action.rows === state.size.rows ? state : {...state, size: {columns: action.columns, rows: action.rows}}
    case 'requestDone':
      return {...state, request: null, status: info(state.request?.done ?? '')}
    case 'requestFailed':
      return {...state, request: null, status: {tone: 'error', text: action.error}}
    default:
      return onLoad(state, action)
  }
}

export function reduce(state: TuiState, action: Action): TuiState {
  if (action.type === 'input') {
    const next = keyToAction(state, action.input, action.key)
    return next === null ? state : reduce(state, next)
  }
  if (action.type === 'command') return onCommand(state, action.command)
  return onEvent(state, action)
}
