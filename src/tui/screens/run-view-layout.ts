/**
 * What the run view shows where, as plain data: the detail pane's lines for the selected step
 * and the rows each part gets. Pure, so the app's state (state.ts) can compute how far the
 * detail pane scrolls without rendering anything.
 */
import {prettyLines} from '../format.js'
import {approvalLines} from '../../cli/format/approval.js'
import {openApprovals, type Json, type RunDetail} from '../types.js'

/** Rows of a reject comment shown while it is typed (the layout reserves them). */
export const MAX_COMMENT_ROWS = 3

/** Rows the comment field takes for a value. */
export function commentRows(value: string, maxLines: number): number {
  return Math.min(maxLines, value.split('\n').length)
}

/** Open approvals shown at once; more are reached with tab. */
export const MAX_WAIT_ROWS = 3

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
    lines.push(
      `── approval ${wait.key}: a approve · r reject${fold}`,
      ...approvalLines(wait.approval, width, {depth: unfold ? Number.POSITIVE_INFINITY : 2}),
      '',
    )
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
