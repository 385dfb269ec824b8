// @jsxRuntime automatic
// @jsxImportSource react
/**
 * One run: a header, the step timeline, the selected step's input/output/error (scrollable),
 * and the open approvals. The app computes the layout (`layoutRunView`) once per frame: it
 * needs it too, to know how far the detail pane can scroll.
 */
import {Box, Text} from 'ink'
import {ApprovalPrompt} from '../components/ApprovalPrompt.js'
import {StatusBadge} from '../components/StatusBadge.js'
import {StepTimeline} from '../components/StepTimeline.js'
import {formatAge, prettyLines, spanDuration, truncate, windowRange} from '../format.js'
import {approvalLines} from '../../cli/format/approval.js'
import {openApprovals, type ErrorInfo, type Json, type RunDetail} from '../types.js'

/** Open approvals shown at once; more are reached with tab. */
const MAX_WAIT_ROWS = 3


function errorText(error: ErrorInfo): string {
  const id = error.step ?? error['step-id']
  const step = id ? ` (step ${id})` : ''
  return `${error.code}: ${error.message}${step}`
}

function section(title: string, value: Json, width: number): string[] {
  return [`── ${title}`, ...prettyLines(value, width)]
}

/** The detail pane's full text for the selected step (or the run itself before any step). */
/** `unfold`: show the approval context's data tree whole (`z`), not folded below two levels. */
export function detailLines(run: RunDetail, selectedStep: number, width: number, unfold = false): string[] {
  const step = run.steps[selectedStep]
  if (step === undefined) {
    return [
      ...section('run input', run.input, width),
      ...(run.output !== null ? section('run output', run.output, width) : []),
      ...(run.error !== null ? section('run error', run.error as unknown as Json, width) : []),
    ]
  }
  const lines: string[] = []
  // The approval this step waits on, as a person reads it; its config follows as data.
  const wait = run.waits.find((w) => w.step === step.id && w.status === 'open' && w.approval !== null)
  if (wait?.approval) {
    const fold = wait.approval.show ? (unfold ? ' · z folds the context' : ' · z unfolds the context') : ''
    lines.push(`── approval ${wait.key}: a approve · r reject${fold}`, ...approvalLines(wait.approval, width, {depth: unfold ? Number.POSITIVE_INFINITY : 2}), '')
  }
  if (step.tail !== undefined && step.tail.length > 0) {
    lines.push('── live output (newest last)', ...step.tail.map((o) => `${o.stream === 'stderr' ? 'err│' : 'out│'} ${o.line}`), '')
  }
  lines.push(...section('input', step.input, width))
  if (step.output !== null || step.error === null) lines.push(...section('output', step.output, width))
  if (step.error !== null) lines.push(...section('error', step.error as unknown as Json, width))
  return lines
}

export interface RunViewLayout {
  timelineH: number
  waitsH: number
  detailH: number
  lines: string[]
}

/** `rejectRows`: rows the reject comment takes while it is typed (0 when not rejecting). */
export function layoutRunView(run: RunDetail, selectedStep: number, height: number, width: number, rejectRows: number, unfold = false): RunViewLayout {
  const approvals = openApprovals(run).length
  const waitsH = approvals === 0 ? 0 : 1 + Math.min(approvals, MAX_WAIT_ROWS) + rejectRows
  const header = 2
  const rule = 1
  const free = Math.max(2, height - header - waitsH - rule)
  const timelineH = Math.max(1, Math.min(Math.max(1, run.steps.length), Math.max(3, Math.floor(free * 0.4))))
  const detailH = Math.max(1, free - timelineH)
  return {timelineH, waitsH, detailH, lines: detailLines(run, selectedStep, width, unfold)}
}

export interface RunViewProps {
  run: RunDetail
  selectedStep: number
  selectedWait: number
  scroll: number
  /** The reject comment being typed for the selected wait, or null. */
  rejectComment: string | null
  /** From `layoutRunView` for this run, step, size, comment and fold state. */
  layout: RunViewLayout
  width: number
  now: number
}

export function RunView({run, selectedStep, selectedWait, scroll, rejectComment, layout, width, now}: RunViewProps) {
  const approvals = openApprovals(run)
  const top = Math.max(0, Math.min(scroll, layout.lines.length - layout.detailH))
  const visible = layout.lines.slice(top, top + layout.detailH)
  const step = run.steps[selectedStep]
  const version = run.version === null ? run.target : `v${run.version} ${run.target}`
  const duration = spanDuration(run['started-at'], run['finished-at'], now)
  // The flow slug gives way first, so version and status stay visible on a narrow screen.
  const tail = `  ${version}  `
  const head = truncate(run.flow, Math.max(1, width - tail.length - run.status.length)) + tail
  const sub = run.error !== null ? errorText(run.error) : `${run.id} · age ${formatAge(run['created-at'], now)}${duration ? ` · ran ${duration}` : ''} · ${run.steps.length} steps`
  const ruleLabel = step === undefined ? '── run' : `── ${step.id} (${step.type})`
  const range = layout.lines.length > layout.detailH ? ` lines ${top + 1}-${top + visible.length}/${layout.lines.length} PgUp/PgDn` : ''
  const waitWindow = windowRange(approvals.length, selectedWait, MAX_WAIT_ROWS)

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{head}</Text>
        <StatusBadge status={run.status} />
      </Text>
      <Text wrap="truncate" color={run.error !== null ? 'red' : undefined} dimColor={run.error === null}>
        {truncate(sub, width)}
      </Text>
      <StepTimeline steps={run.steps} selected={selectedStep} height={layout.timelineH} width={width} now={now} />
      {approvals.length > 0 && (
        <Box flexDirection="column">
          <Text color="yellow" bold wrap="truncate">
            {truncate(`${approvals.length} open approval${approvals.length > 1 ? 's (tab selects)' : ''}: a approve · r reject`, width)}
          </Text>
          {approvals.slice(waitWindow.start, waitWindow.end).map((wait, i) => {
            const isSel = waitWindow.start + i === selectedWait
            return (
              <ApprovalPrompt key={wait.key} wait={wait} selected={isSel && approvals.length > 1} rejectComment={isSel ? rejectComment : null} width={width} />
            )
          })}
        </Box>
      )}
      <Text dimColor wrap="truncate">{truncate(ruleLabel + range + ' ' + '─'.repeat(width), width)}</Text>
      {visible.map((line, i) => (
        <Text key={top + i} wrap="truncate">{line === '' ? ' ' : line}</Text>
      ))}
    </Box>
  )
}
