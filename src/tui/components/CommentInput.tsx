// @jsxRuntime automatic
// @jsxImportSource react
/**
 * A multi-line comment field (the reject comment): the last `maxLines` lines, the cursor at
 * the end (commentRows in run-view-layout.ts says how many rows that is). Controlled, like
 * FilterInput: the app's key map edits the value.
 */
import {Box, Text} from 'ink'
import {truncate} from '../format.js'

export function CommentInput({label, value, width, maxLines}: {label: string; value: string; width: number; maxLines: number}) {
  const lines = value.split('\n')
  const hidden = Math.max(0, lines.length - maxLines)
  const shown = lines.slice(hidden)
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => {
        const head = i === 0 ? (hidden > 0 ? `${label}(+${hidden} above) ` : label) : ' '.repeat(Math.min(label.length, 4))
        const cursor = i === shown.length - 1 ? '█' : ''
        const room = Math.max(1, width - head.length - cursor.length)
        // Keep the end of a long line visible: that is where the typing happens.
        const text = line.length > room ? '…' + line.slice(line.length - room + 1) : line
        return (
          <Text key={hidden + i} wrap="truncate">
            <Text color="cyan">{truncate(head, width)}</Text>
            {text}
            {cursor}
          </Text>
        )
      })}
    </Box>
  )
}
