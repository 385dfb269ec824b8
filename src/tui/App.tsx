// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The TUI's state and routing. Screens are drawn from props; every key press goes through
 * one key map (hooks/use-keymap.ts) into `handle`, and every engine call goes through the
 * TuiSource, so the whole app runs against an in-memory source in tests.
 */
import {useCallback, useMemo, useRef, useState} from 'react'
import {Box, Text, useApp} from 'ink'
import {MAX_COMMENT_ROWS} from './components/ApprovalPrompt.js'
import {CommentInput, commentRows} from './components/CommentInput.js'
import {FilterInput} from './components/FilterInput.js'
import {KeyHints, type Hint} from './components/KeyHints.js'
import {StatusLine, type StatusMessage} from './components/StatusLine.js'
import {clamp, describeError, truncate} from './format.js'
import {useKeymap, type Command, type InputMode} from './hooks/use-keymap.js'
import {useNow} from './hooks/use-now.js'
import {useRun} from './hooks/use-run.js'
import {useRuns} from './hooks/use-runs.js'
import {useTerminalSize} from './hooks/use-terminal-size.js'
import {Help} from './screens/Help.js'
import {orderRuns, RunList} from './screens/RunList.js'
import {layoutRunView, RunView} from './screens/RunView.js'
import {isTerminal, openApprovals, type RunDetail, type RunStatus, type TuiSource} from './types.js'

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

type Screen = {name: 'list'} | {name: 'run'; runId: string}

type Prompt =
  | null
  | {kind: 'filter'}
  | {kind: 'reject'; runId: string; key: string; comment: string}
  | {kind: 'cancel'; runId: string; flow: string}

const LIST_HINTS: Hint[] = [['↑↓', 'move'], ['enter', 'open'], ['w', 'next waiting'], ['a', 'approve'], ['r', 'reject'], ['c', 'cancel'], ['/', 'filter'], ['?', 'help'], ['q', 'quit']]
const RUN_HINTS: Hint[] = [['↑↓', 'step'], ['PgUp/Dn', 'scroll'], ['a', 'approve'], ['r', 'reject'], ['c', 'cancel'], ['esc', 'back'], ['?', 'help'], ['q', 'quit']]
const HELP_HINTS: Hint[] = [['esc', 'close help'], ['q', 'quit']]
const CONFIRM_HINTS: Hint[] = [['y', 'cancel the run'], ['n/esc', 'keep it running']]
const FILTER_HINTS: Hint[] = [['enter', 'keep filter'], ['esc', 'clear filter']]
const REJECT_HINTS: Hint[] = [['enter', 'new line'], ['ctrl-d', 'reject with this comment'], ['esc', 'do not reject']]

const systemClock = () => Date.now()

/** The step to show first: the one the run is at (not completed), else the last one. */
function initialStep(run: RunDetail): number {
  const active = run.steps.findIndex((s) => s.status !== 'completed')
  return active >= 0 ? active : Math.max(0, run.steps.length - 1)
}

export function App({source, by, pageSize = 50, debounceMs = 200, clock = systemClock, tickMs = 1000, columns, rows, onQuit}: AppProps) {
  const {exit} = useApp()
  const size = useTerminalSize({columns, rows})
  const width = Math.max(20, size.columns)
  const now = useNow(clock, tickMs)

  const [screen, setScreen] = useState<Screen>({name: 'list'})
  const [help, setHelp] = useState(false)
  const [prompt, setPrompt] = useState<Prompt>(null)
  const [status, setStatus] = useState<StatusMessage | null>(null)
  const [filter, setFilter] = useState('')
  const [limit, setLimit] = useState(pageSize)
  // The list selection follows the run (by id) across live reorderings; the index is the fallback.
  const [listSel, setListSel] = useState<{id: string | null; index: number}>({id: null, index: 0})
  const [stepSel, setStepSel] = useState(-1) // -1: not chosen yet, use initialStep()
  const [waitSel, setWaitSel] = useState(0)
  const [scroll, setScroll] = useState(0)
  const [unfold, setUnfold] = useState(false)
  const busy = useRef(false)

  const runs = useRuns(source, {limit, filter}, debounceMs)
  const openRunId = screen.name === 'run' ? screen.runId : null
  const run = useRun(source, openRunId, debounceMs)
  const detail = run.data !== null && run.data.id === openRunId ? run.data : null

  const ordered = useMemo(() => orderRuns(runs.data ?? []), [runs.data])
  const more = (runs.data?.length ?? 0) >= limit
  const foundIndex = listSel.id === null ? -1 : ordered.findIndex((r) => r.id === listSel.id)
  const selIndex = clamp(foundIndex >= 0 ? foundIndex : listSel.index, 0, Math.max(0, ordered.length - 1))
  const selectedRun = ordered[selIndex]

  // Rows: the body gets what the status line, key hints and the filter field leave. One row
  // stays free because Ink redraws the whole screen (flicker) when a frame fills the terminal.
  const editingFilter = prompt?.kind === 'filter'
  // The list has no room of its own for the reject comment, so it goes below, like the filter.
  const bottomInput = editingFilter || (prompt?.kind === 'reject' && screen.name === 'list')
  const bodyH = Math.max(4, size.rows - 3 - (bottomInput ? 1 : 0))
  const listRowsH = Math.max(1, bodyH - 2)

  const approvalsOpen = detail === null ? [] : openApprovals(detail)
  const stepIndex = detail === null ? 0 : clamp(stepSel < 0 ? initialStep(detail) : stepSel, 0, Math.max(0, detail.steps.length - 1))
  const waitIndex = clamp(waitSel, 0, Math.max(0, approvalsOpen.length - 1))
  const layout = detail === null ? null : layoutRunView(detail, stepIndex, bodyH, width, prompt?.kind === 'reject' ? commentRows(prompt.comment, MAX_COMMENT_ROWS) : 0, unfold)
  const maxScroll = layout === null ? 0 : Math.max(0, layout.lines.length - layout.detailH)

  const selectListIndex = useCallback((index: number) => {
    const i = clamp(index, 0, Math.max(0, ordered.length - 1))
    setListSel({id: ordered[i]?.id ?? null, index: i})
    // Reaching the last loaded row of a full page asks for the next page.
    if (more && i >= ordered.length - 1) setLimit((l) => l + pageSize)
  }, [ordered, more, pageSize])

  /** Run an engine action; its error lands in the status line, never in an exception. */
  const act = useCallback(async (pending: string, action: () => Promise<void>, done: string) => {
    if (busy.current) return
    busy.current = true
    setStatus({tone: 'info', text: pending})
    try {
      await action()
      setStatus({tone: 'info', text: done})
    } catch (error) {
      setStatus({tone: 'error', text: describeError(error)})
    } finally {
      busy.current = false
      runs.refresh()
      run.refresh()
    }
  }, [runs, run])

  /** The approval `a`/`r` act on: the run's only one, or the selected one in the run view. */
  const approvalTarget = (): {runId: string; key: string} | null => {
    if (screen.name === 'run') {
      if (detail === null) return null
      const wait = approvalsOpen[waitIndex]
      if (wait === undefined) {
        setStatus({tone: 'info', text: 'this run has no open approval'})
        return null
      }
      return {runId: detail.id, key: wait.key}
    }
    if (selectedRun === undefined) return null
    const open = selectedRun['waiting-approvals']
    if (open.length === 0) {
      setStatus({tone: 'info', text: `${selectedRun.flow} has no open approval`})
      return null
    }
    if (open.length > 1) {
      setStatus({tone: 'info', text: `${open.length} open approvals: open the run (enter) and pick one with tab`})
      return null
    }
    return {runId: selectedRun.id, key: open[0]!.key}
  }

  const cancelTarget = (): {runId: string; flow: string; status: RunStatus} | null => {
    if (screen.name === 'run') return detail === null ? null : {runId: detail.id, flow: detail.flow, status: detail.status}
    return selectedRun === undefined ? null : {runId: selectedRun.id, flow: selectedRun.flow, status: selectedRun.status}
  }

  /** `w`: the next run (after the current one, wrapping) that waits on a person; opens it in the run view. */
  const jumpToWaiting = () => {
    const current = screen.name === 'run' ? screen.runId : selectedRun?.id
    const from = ordered.findIndex((r) => r.id === current)
    const next = [...ordered.slice(from + 1), ...ordered.slice(0, from + 1)].find((r) => r['waiting-approvals'].length > 0 && r.id !== current)
    if (next === undefined) {
      setStatus({tone: 'info', text: current !== undefined && ordered.find((r) => r.id === current)?.['waiting-approvals'].length ? 'no other run waits on a person' : 'no run waits on a person'})
      return
    }
    setListSel({id: next.id, index: ordered.indexOf(next)})
    if (screen.name === 'run') {
      setScreen({name: 'run', runId: next.id})
      setStepSel(-1)
      setWaitSel(0)
      setScroll(0)
    }
    setStatus({tone: 'info', text: `${next.flow} ${next.id} waits on ${next['waiting-approvals'].map((a) => a.key).join(', ')}`})
  }

  const quit = () => {
    onQuit?.()
    exit()
  }

  const back = () => {
    setScreen({name: 'list'})
    setStatus(null)
  }

  function handleList(command: Command) {
    switch (command.type) {
      case 'up': return selectListIndex(selIndex - 1)
      case 'down': return selectListIndex(selIndex + 1)
      case 'pageUp': return selectListIndex(selIndex - listRowsH)
      case 'pageDown': return selectListIndex(selIndex + listRowsH)
      case 'home': return selectListIndex(0)
      case 'end': return selectListIndex(ordered.length - 1)
      case 'open':
        if (selectedRun === undefined) return
        setScreen({name: 'run', runId: selectedRun.id})
        setStepSel(-1)
        setWaitSel(0)
        setScroll(0)
        setStatus(null)
        return
      case 'back':
        if (filter !== '') setFilter('')
        return
    }
  }

  function handleRun(command: Command) {
    const last = Math.max(0, (detail?.steps.length ?? 1) - 1)
    const page = layout?.detailH ?? 1
    const moveStep = (to: number) => {
      setStepSel(clamp(to, 0, last))
      setScroll(0)
    }
    switch (command.type) {
      case 'up': return moveStep(stepIndex - 1)
      case 'down': return moveStep(stepIndex + 1)
      case 'home': return moveStep(0)
      case 'end': return moveStep(last)
      case 'pageUp': return setScroll((s) => clamp(Math.min(s, maxScroll) - page, 0, maxScroll))
      case 'pageDown': return setScroll((s) => clamp(s + page, 0, maxScroll))
      case 'nextWait':
        if (approvalsOpen.length > 1) setWaitSel((waitIndex + 1) % approvalsOpen.length)
        return
      case 'unfold': return setUnfold((u) => !u)
      case 'back': return back()
    }
  }

  function handleNormal(command: Command) {
    switch (command.type) {
      case 'help': return setHelp(true)
      case 'quit': return quit()
      case 'filter':
        if (screen.name === 'run') back()
        setPrompt({kind: 'filter'})
        return
      case 'approve': {
        const target = approvalTarget()
        if (target === null) return
        void act(`approving ${target.key}…`, () => source.approve(target.runId, target.key, {by}), `approved ${target.key} as ${by}`)
        return
      }
      case 'reject': {
        const target = approvalTarget()
        if (target !== null) setPrompt({kind: 'reject', ...target, comment: ''})
        return
      }
      case 'nextWaiting': return jumpToWaiting()
      case 'cancel': {
        const target = cancelTarget()
        if (target === null) return
        if (isTerminal(target.status)) {
          setStatus({tone: 'info', text: `run already ${target.status}; nothing to cancel`})
          return
        }
        setPrompt({kind: 'cancel', runId: target.runId, flow: target.flow})
        return
      }
    }
    if (screen.name === 'list') handleList(command)
    else handleRun(command)
  }

  function handlePrompt(command: Command) {
    if (prompt === null) return
    if (prompt.kind === 'filter') {
      if (command.type === 'edit') {
        setFilter(command.value)
        setListSel({id: null, index: 0})
      } else if (command.type === 'dismiss') {
        setFilter('')
        setPrompt(null)
      } else if (command.type === 'submit') setPrompt(null)
      return
    }
    if (prompt.kind === 'reject') {
      if (command.type === 'edit') setPrompt({...prompt, comment: command.value})
      else if (command.type === 'dismiss') {
        setPrompt(null)
        setStatus({tone: 'info', text: 'not rejected'})
      } else if (command.type === 'submit') {
        const comment = prompt.comment.trim()
        if (comment === '') {
          setStatus({tone: 'error', text: 'a rejection needs a comment (esc to go back)'})
          return
        }
        setPrompt(null)
        void act(`rejecting ${prompt.key}…`, () => source.reject(prompt.runId, prompt.key, {by, comment}), `rejected ${prompt.key} as ${by}`)
      }
      return
    }
    // cancel confirmation
    if (command.type === 'yes') {
      setPrompt(null)
      void act('cancelling…', () => source.cancel(prompt.runId), `cancelled ${prompt.flow} ${prompt.runId}`)
    } else if (command.type === 'no') {
      setPrompt(null)
      setStatus({tone: 'info', text: 'not cancelled'})
    }
  }

  const mode: InputMode = help ? 'help' : prompt === null ? 'normal' : prompt.kind === 'cancel' ? 'confirm' : prompt.kind === 'reject' ? 'lines' : 'text'
  const text = prompt?.kind === 'filter' ? filter : prompt?.kind === 'reject' ? prompt.comment : ''

  useKeymap(mode, text, (command) => {
    if (mode === 'help') {
      if (command.type === 'quit') quit()
      else setHelp(false)
    } else if (mode === 'normal') handleNormal(command)
    else handlePrompt(command)
  })

  const loadError = screen.name === 'run' ? run.error : runs.error
  const shownStatus: StatusMessage | null = status ?? (loadError === null ? null : {tone: 'error', text: loadError})
  const hints = help ? HELP_HINTS : prompt?.kind === 'cancel' ? CONFIRM_HINTS : prompt?.kind === 'filter' ? FILTER_HINTS : prompt?.kind === 'reject' ? REJECT_HINTS : screen.name === 'run' ? RUN_HINTS : LIST_HINTS

  let body
  if (help) body = <Help width={width} by={by} />
  else if (screen.name === 'run') {
    body = detail === null
      ? <Text dimColor>{truncate(run.error ?? `loading run ${screen.runId}…`, width)}</Text>
      : <RunView run={detail} selectedStep={stepIndex} selectedWait={waitIndex} scroll={scroll} rejectComment={prompt?.kind === 'reject' ? prompt.comment : null} layout={layout!} width={width} now={now} />
  } else {
    body = <RunList runs={ordered} selected={selIndex} height={bodyH} width={width} now={now} more={more} loading={runs.loading && runs.data === null} filter={editingFilter ? '' : filter} />
  }

  return (
    <Box flexDirection="column" width={width}>
      <Box flexDirection="column" height={bodyH} overflow="hidden">{body}</Box>
      {editingFilter && <FilterInput label="/ " value={filter} editing hint="flow or status" width={width} />}
      {prompt?.kind === 'reject' && screen.name === 'list' && <CommentInput label={`reject ${prompt.key}, comment: `} value={prompt.comment} width={width} maxLines={1} />}
      {prompt?.kind === 'cancel'
        ? <Text color="yellow" bold wrap="truncate">{truncate(`Cancel run ${prompt.flow} ${prompt.runId}? (y/n)`, width)}</Text>
        : <StatusLine message={shownStatus} width={width} />}
      <KeyHints hints={hints} width={width} />
    </Box>
  )
}
