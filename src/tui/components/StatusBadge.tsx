// @jsxRuntime automatic
// @jsxImportSource react
/** A run or step status in its color; the word itself stays readable without colors. */
import {Text} from 'ink'
import {cell} from '../format.js'

const COLORS: Record<string, string> = {
  queued: 'gray',
  running: 'cyan',
  waiting: 'yellow',
  sleeping: 'magenta',
  completed: 'green',
  failed: 'red',
  cancelled: 'gray',
  open: 'yellow',
  'timed-out': 'red',
}

export function statusColor(status: string): string {
  return COLORS[status] ?? 'white'
}

export function StatusBadge({status, width}: {status: string; width?: number}) {
  const text = width === undefined ? status : cell(status, width)
  return (
    <Text color={statusColor(status)} bold={status === 'waiting' || status === 'failed'}>
      {text}
    </Text>
  )
}
