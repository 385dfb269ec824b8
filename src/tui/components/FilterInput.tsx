// @jsxRuntime automatic
// @jsxImportSource react
/**
 * A one-line text field (the `/` filter and the reject comment). Controlled: the keys are
 * handled by the app's key map, so only one input handler ever sees a key press.
 */
import {Text} from 'ink'
import {truncate} from '../format.js'

export function FilterInput({label, value, editing, hint, width}: {label: string; value: string; editing: boolean; hint?: string; width: number}) {
  const cursor = editing ? '█' : ''
  const tail = editing && hint ? `  ${hint}` : ''
  // Keep the end of a long value visible: that is where the typing happens.
  const room = Math.max(1, width - label.length - cursor.length - tail.length)
  const shown = value.length > room ? '…' + value.slice(value.length - room + 1) : value
  return (
    <Text wrap="truncate">
      <Text color="cyan">{label}</Text>
      {shown}
      {cursor}
      <Text dimColor>{truncate(tail, Math.max(0, width - label.length - shown.length - cursor.length))}</Text>
    </Text>
  )
}
