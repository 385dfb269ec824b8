// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The TUI's wiring. All state and every change to it are in state.ts (a pure reducer); the
 * hooks feed it keys, loads and resizes, and make the engine calls it asks for. Every engine
 * call goes through the TuiSource, so the whole app runs against an in-memory source in tests.
 */
import {useCallback, useEffect, useReducer} from 'react'
import {Box, Text, useApp, useInput, type Key} from 'ink'
import {CommentInput} from './components/CommentInput.js'
import {FilterInput} from './components/FilterInput.js'
import {KeyHints, type Hint} from './components/KeyHints.js'
import {StatusLine} from './components/StatusLine.js'
import {truncate} from './format.js'
import {useEngineRequest, useQuit} from './hooks/use-engine-request.js'
import {useNow} from './hooks/use-now.js'
import {useRun} from './hooks/use-run.js'
import {useRuns} from './hooks/use-runs.js'
import {useTerminalSize} from './hooks/use-terminal-size.js'
import {Help} from './screens/Help.js'
import {RunList} from './screens/RunList.js'
import {RunView} from './screens/RunView.js'
import {
  bodyHeight,
  bottomInput,
  hasMore,
  initialState,
  reduce,
  rejectComment,
  runLayout,
  selectedIndex,
  shownStatus,
  stepIndex,
  waitIndex,
  width as frameWidth,
  type TuiState,
} from './state.js'
import type {TuiSource} from './types.js'

export interface AppProps {
  source: TuiSource
  /** Who approvals and rejections are recorded as made by (default: the OS user). */
  by: string
  /** Runs loaded per page; scrolling past the last loaded row loads another page. */
  pageSize?: number
  /** How long to gather a burst of change events before reloading. */
  debounceMs?: number
  clock?: () => number
  /** How often ages and running durations are redrawn; 0 turns the ticking off. */
  tickMs?: number
  /** Fix the terminal size (tests); otherwise it is read from stdout and follows resizes. */
  columns?: number
  rows?: number
  onQuit?: () => void
}

const LIST_HINTS: Hint[] = [
  ['↑↓', 'move'],
  ['enter', 'open'],
  ['w', 'next waiting'],
  ['a', 'approve'],
  ['r', 'reject'],
  ['c', 'cancel'],
  ['/', 'filter'],
  ['?', 'help'],
  ['q', 'quit'],
]
const RUN_HINTS: Hint[] = [
  ['↑↓', 'step'],
  ['PgUp/Dn', 'scroll'],
  ['a', 'approve'],
  ['r', 'reject'],
  ['c', 'cancel'],
  ['esc', 'back'],
  ['?', 'help'],
  ['q', 'quit'],
]
const HELP_HINTS: Hint[] = [
  ['esc', 'close help'],
  ['q', 'quit'],
]
const CONFIRM_HINTS: Hint[] = [
  ['y', 'cancel the run'],
  ['n/esc', 'keep it running'],
]
const FILTER_HINTS: Hint[] = [
  ['enter', 'keep filter'],
  ['esc', 'clear filter'],
]
const REJECT_HINTS: Hint[] = [
  ['enter', 'new line'],
  ['ctrl-d', 'reject with this comment'],
  ['esc', 'do not reject'],
]
const PROMPT_HINTS = {cancel: CONFIRM_HINTS, filter: FILTER_HINTS, reject: REJECT_HINTS}

function hintsFor(state: TuiState): Hint[] {
  if (state.help) return HELP_HINTS
  if (state.prompt !== null) return PROMPT_HINTS[state.prompt.kind]
  return state.screen.name === 'run' ? RUN_HINTS : LIST_HINTS
}

const systemClock = () => Date.now()

export function App({source, by, pageSize = 50, debounceMs = 200, clock = systemClock, tickMs = 1000, columns, rows, onQuit}: AppProps) {
  const {exit} = useApp()
  const size = useTerminalSize({columns, rows})
  const [state, dispatch] = useReducer(reduce, {by, pageSize, size}, initialState)
  useEffect(() => dispatch({type: 'resize', columns: size.columns, rows: size.rows}), [size.columns, size.rows])
  // One handler for the whole app: a key reaches the reducer, which applies it to the newest state.
  useInput(useCallback((input: string, key: Key) => dispatch({type: 'input', input, key}), []))

  const refreshRuns = useRuns(source, {limit: state.limit, filter: state.filter}, debounceMs, dispatch)
  const refreshRun = useRun(source, state.screen.name === 'run' ? state.screen.runId : null, debounceMs, dispatch)
  useEngineRequest(source, state.request, dispatch, () => {
    refreshRuns()
    refreshRun()
  })
  useQuit(state.quit, exit, onQuit)
  const now = useNow(clock, tickMs)
  return <Frame state={state} now={now} />
}

function Frame({state, now}: {state: TuiState; now: number}) {
  const width = frameWidth(state)
  const {prompt} = state
  return (
    <Box flexDirection="column" width={width}>
      <Box flexDirection="column" height={bodyHeight(state)} overflow="hidden">
        <Body state={state} now={now} />
      </Box>
      {prompt?.kind === 'filter' && <FilterInput label="/ " value={state.filter} editing hint="flow or status" width={width} />}
      {prompt?.kind === 'reject' && bottomInput(state) && (
        <CommentInput label={`reject ${prompt.key}, comment: `} value={prompt.comment} width={width} maxLines={1} />
      )}
      {prompt?.kind === 'cancel' ? (
        <Text color="yellow" bold wrap="truncate">
          {truncate(`Cancel run ${prompt.flow} ${prompt.runId}? (y/n)`, width)}
        </Text>
      ) : (
        <StatusLine message={shownStatus(state)} width={width} />
      )}
      <KeyHints hints={hintsFor(state)} width={width} />
    </Box>
  )
}

function Body({state, now}: {state: TuiState; now: number}) {
  const width = frameWidth(state)
  if (state.help) return <Help width={width} by={state.by} />
  if (state.screen.name === 'run') return <OpenRun state={state} now={now} />
  const filter = state.prompt?.kind === 'filter' ? '' : state.filter
  const loading = state.runsLoading && state.runs === null
  return (
    <RunList
      runs={state.runs ?? []}
      selected={selectedIndex(state)}
      height={bodyHeight(state)}
      width={width}
      now={now}
      more={hasMore(state)}
      loading={loading}
      filter={filter}
    />
  )
}

function OpenRun({state, now}: {state: TuiState; now: number}) {
  const width = frameWidth(state)
  // Laid out once per frame; the reducer lays it out again only for a scroll key.
  const {detail} = state
  const layout = runLayout(state)
  if (detail === null || layout === null) {
    const runId = state.screen.name === 'run' ? state.screen.runId : ''
    return <Text dimColor>{truncate(state.runError ?? `loading run ${runId}…`, width)}</Text>
  }
  return (
    <RunView
      run={detail}
      selectedStep={stepIndex(state)}
      selectedWait={waitIndex(state)}
      scroll={state.scroll}
      rejectComment={rejectComment(state)}
      layout={layout}
      width={width}
      now={now}
    />
  )
}
