// @jsxRuntime automatic
// @jsxImportSource react
/**
 * One run: a header, the step timeline, the selected step's input/output/error (scrollable),
 * and the open approvals. The app computes the layout (run-view-layout.ts) once per frame:
 * its state needs it too, to know how far the detail pane can scroll.
 */
import {Box, Text} from 'ink'
import {ApprovalPrompt} from '../components/ApprovalPrompt.js'
import {StatusBadge} from '../components/StatusBadge.js'
import {StepTimeline} from '../components/StepTimeline.js'
import {formatAge, spanDuration, truncate, windowRange} from '../format.js'
import {openApprovals, type ErrorInfo, type RunDetail} from '../types.js'
import {MAX_WAIT_ROWS, type RunViewLayout} from './run-view-layout.js'

function errorText(error: ErrorInfo): string {
  const id = error.step ?? error['step-id']
  const step = id ? ` (step ${id})` : ''
  return `${error.code}: ${error.message}${step}`
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
  const sub =
    run.error !== null
      ? errorText(run.error)
      : `${run.id} · age ${formatAge(run['created-at'], now)}${duration ? ` · ran ${duration}` : ''} · ${run.steps.length} steps`
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
      <Text dimColor wrap="truncate">
        {truncate(ruleLabel + range + ' ' + '─'.repeat(width), width)}
      </Text>
      {visible.map((line, i) => (
        <Text key={top + i} wrap="truncate">
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  )
}
