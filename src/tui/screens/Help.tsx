// @jsxRuntime automatic
// @jsxImportSource react
/** The key map (SPEC §8), shown over the current screen by `?`. */
import {Box, Text} from 'ink'
import {cell, truncate} from '../format.js'

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑/↓  k/j', 'move (run list rows, run view steps)'],
  ['PgUp/PgDn', 'scroll a page (run view: the step detail)'],
  ['g / G', 'first / last'],
  ['enter', 'open the selected run'],
  ['esc / ⌫', 'back; in the list, clear the filter'],
  ['tab', 'run view: select the next open approval'],
  ['a', "approve the run's open approval (or the selected one)"],
  ['r', 'reject it: type a comment (enter: new line), ctrl-d rejects, esc cancels'],
  ['c', 'cancel the run (asks y/n)'],
  ['/', 'filter: words match flow or status; status:waiting flow:deploy match one'],
  ['w', 'jump to the next run waiting on a person'],
  ['z', "run view: unfold / fold an approval's context tree"],
  ['?', 'this help'],
  ['q', 'quit'],
]

export function Help({width, by}: {width: number; by: string}) {
  return (
    <Box flexDirection="column">
      <Text bold>breyta tui: keys</Text>
      <Text> </Text>
      {KEYS.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          <Text color="cyan">{cell(key, 12)}</Text>
          {truncate(what, Math.max(0, width - 12))}
        </Text>
      ))}
      <Text> </Text>
      <Text dimColor wrap="truncate">
        {truncate(`Decisions are recorded as made by "${by}". The screen follows changes from the daemon and the CLI.`, width)}
      </Text>
      <Text dimColor>esc or ? closes this help</Text>
    </Box>
  )
}
