// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The run list: one row per run, runs that wait on a person first. Only the rows that fit
 * are drawn, so a workspace with thousands of runs costs the same per frame as one with ten.
 */
import {Box, Text} from 'ink'
import {StatusBadge} from '../components/StatusBadge.js'
import {cell, clamp, formatAge, truncate, windowRange} from '../format.js'
import type {RunSummary} from '../types.js'

export interface RunListProps {
  runs: readonly RunSummary[]
  selected: number
  height: number
  width: number
  now: number
  /** True when the page is full, so scrolling past the end loads more. */
  more: boolean
  loading: boolean
  filter: string
}

function stepColumn(run: RunSummary): string {
  const approvals = run['waiting-approvals']
  if (approvals.length === 1) return `approve? ${approvals[0]!.key}: ${approvals[0]!.prompt}`
  if (approvals.length > 1) return `${approvals.length} approvals: ${approvals.map((a) => a.key).join(', ')}`
  return run['current-step'] ?? ''
}

export function RunList({runs, selected, height, width, now, more, loading, filter}: RunListProps) {
  const flowW = clamp(Math.floor(width * 0.3), 10, 32)
  const statusW = 10
  const ageW = 4
  const stepW = Math.max(0, width - 2 - flowW - 1 - statusW - 1 - ageW - 1)
  const waitingCount = runs.filter((r) => r['waiting-approvals'].length > 0).length
  const title = [
    `breyta runs (${runs.length}${more ? '+' : ''})`,
    waitingCount > 0 ? `${waitingCount} waiting on approval` : '',
    filter !== '' ? `filter: ${filter}` : '',
    loading ? 'loading…' : '',
  ]
    .filter(Boolean)
    .join(' · ')
  const rowsH = Math.max(1, height - 2)
  const {start, end} = windowRange(runs.length, selected, rowsH)

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {truncate(title, width)}
      </Text>
      <Text dimColor wrap="truncate">
        {'  ' + cell('FLOW', flowW) + ' ' + cell('STATUS', statusW) + ' ' + cell('AGE', ageW) + ' ' + cell('STEP', stepW)}
      </Text>
      {runs.length === 0 && !loading && (
        <Text dimColor>
          {truncate(filter === '' ? '  no runs yet: start one with `breyta flows run SLUG`' : '  no runs match the filter (esc clears it)', width)}
        </Text>
      )}
      {runs.slice(start, end).map((run, i) => {
        const index = start + i
        const isSel = index === selected
        const waiting = run['waiting-approvals'].length > 0
        return (
          <Text key={run.id} wrap="truncate" inverse={isSel}>
            {isSel ? '› ' : '  '}
            <Text color={waiting ? 'yellow' : undefined} bold={waiting}>
              {cell(run.flow, flowW)}
            </Text>{' '}
            <StatusBadge status={run.status} width={statusW} /> {formatAge(run['created-at'], now).padStart(ageW)}{' '}
            <Text color={waiting ? 'yellow' : undefined}>{cell(stepColumn(run), stepW)}</Text>
          </Text>
        )
      })}
    </Box>
  )
}
