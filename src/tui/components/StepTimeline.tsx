// @jsxRuntime automatic
// @jsxImportSource react
/** The run's steps in order with status, attempts and duration; windowed to `height` rows. */
import {Box, Text} from 'ink'
import {cell, spanDuration, truncate, windowRange} from '../format.js'
import type {StepInfo} from '../types.js'
import {statusColor} from './StatusBadge.js'

const SYMBOLS: Record<string, string> = {
  completed: '✓',
  failed: '✗',
  running: '▶',
  waiting: '⏸',
  sleeping: '…',
  cancelled: '-',
}

export interface StepTimelineProps {
  steps: StepInfo[]
  selected: number
  height: number
  width: number
  now: number
}

export function StepTimeline({steps, selected, height, width, now}: StepTimelineProps) {
  if (steps.length === 0) return <Text dimColor> no steps yet</Text>
  const {start, end} = windowRange(steps.length, selected, height)
  // Fixed columns at the right; the step id gets whatever is left.
  const typeW = 9
  const statusW = 10
  const durW = 8
  const idW = Math.max(6, width - 4 - typeW - statusW - durW - 4)
  return (
    <Box flexDirection="column">
      {steps.slice(start, end).map((step, i) => {
        const index = start + i
        const isSel = index === selected
        const tries = step.attempts > 1 ? ` ×${step.attempts}` : ''
        const dur = spanDuration(step['started-at'], step['finished-at'], now) + tries
        return (
          <Text key={`${index}:${step.id}`} wrap="truncate" inverse={isSel}>
            {isSel ? '›' : ' '}
            <Text color={statusColor(step.status)}>{` ${SYMBOLS[step.status] ?? '·'} `}</Text>
            {cell(step.id, idW)} {cell(step.type, typeW)} <Text color={statusColor(step.status)}>{cell(step.status, statusW)}</Text> {truncate(dur, durW + 4)}
          </Text>
        )
      })}
    </Box>
  )
}
