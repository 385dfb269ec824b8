// @jsxRuntime automatic
// @jsxImportSource react
/** One line for the outcome of the last action or load; errors in red, never a crash. */
import {Text} from 'ink'
import {truncate} from '../format.js'

export interface StatusMessage {
  tone: 'info' | 'error'
  text: string
}

export function StatusLine({message, width}: {message: StatusMessage | null; width: number}) {
  if (message === null) return <Text> </Text>
  return (
    <Text color={message.tone === 'error' ? 'red' : 'green'} wrap="truncate">
      {truncate(message.text, width)}
    </Text>
  )
}
