/**
 * SPEC §8 key map in one place. The mapping is a pure function of (input, key, mode) so it
 * is testable without a terminal; the app feeds Ink's single input stream into it through
 * its reducer (state.ts), so one key never reaches two screens.
 */
import type {Key} from 'ink'

/** What the keyboard is currently for. */
export type InputMode = 'normal' | 'text' | 'lines' | 'confirm' | 'help'

type Move = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end'
type Named = 'open' | 'back' | 'approve' | 'reject' | 'cancel' | 'filter' | 'help' | 'quit' | 'nextWait' | 'nextWaiting' | 'unfold'

export type Command = {type: Move} | {type: Named} | {type: 'yes' | 'no'} | {type: 'edit'; value: string} | {type: 'submit' | 'dismiss'} | {type: 'none'}

const NONE: Command = {type: 'none'}

/** Backspace arrives as \x7f from most terminals, which Ink reports as `delete`. */
function isBackspace(key: Key): boolean {
  return key.backspace || key.delete
}

/** Keys that edit nothing in a text field (they would otherwise arrive as odd characters). */
function ignoredInText(key: Key): boolean {
  return key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown
}

/** The keys of a text field that are not typing: submit, newline, cancel, erase. */
function editKey(value: string, input: string, key: Key, multiline: boolean): Command | null {
  if (multiline && key.ctrl && (input === 'd' || input === 's')) return {type: 'submit'}
  if (key.return) return multiline ? {type: 'edit', value: value + '\n'} : {type: 'submit'}
  if (key.escape) return {type: 'dismiss'}
  if (isBackspace(key)) return {type: 'edit', value: value.slice(0, -1)}
  if (key.ctrl && input === 'u') return {type: 'edit', value: ''}
  if (ignoredInText(key)) return NONE
  return null
}

/**
 * Editing the filter (one line) and the reject comment (`multiline`: enter adds a line and
 * Ctrl-D or Ctrl-S submits; raw mode turns off the terminal's XON/XOFF, so Ctrl-S arrives).
 */
export function editText(value: string, input: string, key: Key, multiline = false): Command {
  const special = editKey(value, input, key, multiline)
  if (special !== null) return special
  // Pasted text arrives as one chunk: its line breaks stay in a comment, not in the filter.
  const printable = (multiline ? input.replace(/\r\n?/g, '\n') : input.replace(/[\r\n]+/g, ' ')).replace(/[\u0000-\u0009\u000B-\u001F\u007F]/g, '')
  return printable === '' ? NONE : {type: 'edit', value: value + printable}
}

/** Named keys in normal mode, in the order they are tried. */
const NORMAL_KEYS: ReadonlyArray<readonly [keyof Key, Command['type']]> = [
  ['upArrow', 'up'],
  ['downArrow', 'down'],
  ['pageUp', 'pageUp'],
  ['pageDown', 'pageDown'],
  ['home', 'home'],
  ['end', 'end'],
  ['return', 'open'],
  ['escape', 'back'],
  ['backspace', 'back'],
  ['delete', 'back'],
  ['tab', 'nextWait'],
]

/** Emacs-style paging (ctrl-b / ctrl-f). */
const CTRL_CHARS: Readonly<Record<string, Command['type']>> = {b: 'pageUp', f: 'pageDown'}

const NORMAL_CHARS: Readonly<Record<string, Command['type']>> = {
  k: 'up',
  j: 'down',
  ' ': 'pageDown',
  g: 'home',
  G: 'end',
  a: 'approve',
  r: 'reject',
  c: 'cancel',
  w: 'nextWaiting',
  z: 'unfold',
  '/': 'filter',
  '?': 'help',
  q: 'quit',
}

function normalKey(input: string, key: Key): Command {
  const named = NORMAL_KEYS.find(([flag]) => key[flag] === true)
  const type = named?.[1] ?? (key.ctrl ? CTRL_CHARS[input] : undefined) ?? (Object.hasOwn(NORMAL_CHARS, input) ? NORMAL_CHARS[input] : undefined)
  return type === undefined ? NONE : ({type} as Command)
}

function confirmKey(input: string, key: Key): Command {
  if (input === 'y' || input === 'Y') return {type: 'yes'}
  if (input === 'n' || input === 'N' || key.escape || input === 'q') return {type: 'no'}
  return NONE
}

function helpKey(input: string, key: Key): Command {
  if (input === 'q') return {type: 'quit'}
  if (key.escape || input === '?' || key.return || isBackspace(key)) return {type: 'back'}
  return NONE
}

/** `text`: the current value of the line being edited, if any. */
export function keyToCommand(input: string, key: Key, mode: InputMode, text = ''): Command {
  switch (mode) {
    case 'text':
      return editText(text, input, key, false)
    case 'lines':
      return editText(text, input, key, true)
    case 'confirm':
      return confirmKey(input, key)
    case 'help':
      return helpKey(input, key)
    case 'normal':
      return normalKey(input, key)
  }
}
