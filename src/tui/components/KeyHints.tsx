// @jsxRuntime automatic
// @jsxImportSource react
/** The bottom line: which keys do what on this screen, cut to the terminal width. */
import {Text} from 'ink'
import {truncate} from '../format.js'

export type Hint = readonly [key: string, label: string]

export function KeyHints({hints, width}: {hints: readonly Hint[]; width: number}) {
  const line = hints.map(([key, label]) => `${key} ${label}`).join('  ')
  return (
    <Text dimColor wrap="truncate">
      {truncate(line, width)}
    </Text>
  )
}
