// @jsxRuntime automatic
// @jsxImportSource react
/** An open approval wait: its prompt, and the comment field while it is being rejected. */
import {Box, Text} from 'ink'
import {truncate} from '../format.js'
import type {WaitInfo} from '../types.js'
import {FilterInput} from './FilterInput.js'

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
  const prompt = wait.approval?.prompt ?? ''
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text color="yellow" bold={selected}>{head}</Text>
        {truncate(prompt, Math.max(0, width - head.length))}
      </Text>
      {rejectComment !== null && (
        <FilterInput label="  reject comment: " value={rejectComment} editing hint="enter reject · esc cancel" width={width} />
      )}
    </Box>
  )
}
