// @jsxRuntime automatic
// @jsxImportSource react
/** An open approval wait: its prompt, and the comment field while it is being rejected. */
import {Box, Text} from 'ink'
import {truncate} from '../format.js'
import type {WaitInfo} from '../types.js'
import {promptLines} from '../../cli/format/approval.js'
import {CommentInput} from './CommentInput.js'
import {MAX_COMMENT_ROWS} from '../screens/run-view-layout.js'

export interface ApprovalPromptProps {
  wait: WaitInfo
  selected: boolean
  /** The comment typed so far, when `r` was pressed on this wait. */
  rejectComment: string | null
  width: number
}

export function ApprovalPrompt({wait, selected, rejectComment, width}: ApprovalPromptProps) {
  const marker = selected ? '› ' : '  '
  const head = `${marker}approve? ${wait.key}: `
  // The first line of the prompt; the whole of it is in the step's pane below.
  const prompt = promptLines(wait.approval?.prompt ?? '', Number.MAX_SAFE_INTEGER).find((l) => l.trim() !== '') ?? ''
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text color="yellow" bold={selected}>
          {head}
        </Text>
        {truncate(prompt, Math.max(0, width - head.length))}
      </Text>
      {rejectComment !== null && <CommentInput label="  reject comment: " value={rejectComment} width={width} maxLines={MAX_COMMENT_ROWS} />}
    </Box>
  )
}
