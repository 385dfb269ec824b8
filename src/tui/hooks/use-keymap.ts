/**
 * SPEC §8 key map in one place. The mapping is a pure function of (input, key, mode) so it
 * is testable without a terminal; the hook only attaches it to Ink's single input stream.
 * One handler for the whole app (not one per screen) avoids two screens reacting to a key.
 */
import {useLayoutEffect, useRef} from 'react'
import {useInput, type Key} from 'ink'

/** What the keyboard is currently for. */
export type InputMode = 'normal' | 'text' | 'lines' | 'confirm' | 'help'

export type Command =
  | {type: 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end'}
  | {type: 'open' | 'back' | 'approve' | 'reject' | 'cancel' | 'filter' | 'help' | 'quit' | 'nextWait' | 'nextWaiting' | 'unfold'}
  | {type: 'yes' | 'no'}
  | {type: 'edit'; value: string}
  | {type: 'submit' | 'dismiss'}
  | {type: 'none'}

/** Backspace arrives as \x7f from most terminals, which Ink reports as `delete`. */
function isBackspace(key: Key): boolean {
  return key.backspace || key.delete
}

/**
 * Editing the filter (one line) and the reject comment (`multiline`: enter adds a line and
 * Ctrl-D or Ctrl-S submits; raw mode turns off the terminal's XON/XOFF, so Ctrl-S arrives).
 */
export function editText(value: string, input: string, key: Key, multiline = false): Command {
  if (multiline && key.ctrl && (input === 'd' || input === 's')) return {type: 'submit'}
  if (key.return) return multiline ? {type: 'edit', value: value + '\n'} : {type: 'submit'}
  if (key.escape) return {type: 'dismiss'}
  if (isBackspace(key)) return {type: 'edit', value: value.slice(0, -1)}
  if (key.ctrl && input === 'u') return {type: 'edit', value: ''}
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return {type: 'none'}
  // Pasted text arrives as one chunk: its line breaks stay in a comment, not in the filter.
  const printable = (multiline ? input.replace(/\r\n?/g, '\n') : input.replace(/[\r\n]+/g, ' ')).replace(/[\u0000-\u0009\u000B-\u001F\u007F]/g, '')
  return printable === '' ? {type: 'none'} : {type: 'edit', value: value + printable}
}

export function keyToCommand(input: string, key: Key, mode: InputMode, text = ''): Command {
  if (mode === 'text' || mode === 'lines') return editText(text, input, key, mode === 'lines')
  if (mode === 'confirm') {
    if (input === 'y' || input === 'Y') return {type: 'yes'}
    if (input === 'n' || input === 'N' || key.escape || input === 'q') return {type: 'no'}
    return {type: 'none'}
  }
  if (mode === 'help') {
    if (input === 'q') return {type: 'quit'}
    if (key.escape || input === '?' || key.return || isBackspace(key)) return {type: 'back'}
    return {type: 'none'}
  }
  if (key.upArrow || input === 'k') return {type: 'up'}
  if (key.downArrow || input === 'j') return {type: 'down'}
  if (key.pageUp || (key.ctrl && input === 'b')) return {type: 'pageUp'}
  if (key.pageDown || (key.ctrl && input === 'f') || input === ' ') return {type: 'pageDown'}
  if (key.home || input === 'g') return {type: 'home'}
  if (key.end || input === 'G') return {type: 'end'}
  if (key.return) return {type: 'open'}
  if (key.escape || isBackspace(key)) return {type: 'back'}
  if (key.tab) return {type: 'nextWait'}
  switch (input) {
    case 'a': return {type: 'approve'}
    case 'r': return {type: 'reject'}
    case 'c': return {type: 'cancel'}
    case 'w': return {type: 'nextWaiting'}
    case 'z': return {type: 'unfold'}
    case '/': return {type: 'filter'}
    case '?': return {type: 'help'}
    case 'q': return {type: 'quit'}
    default: return {type: 'none'}
  }
}

/** Attach the key map; `text` is the current value of the line being edited, if any. */
export function useKeymap(mode: InputMode, text: string, onCommand: (command: Command) => void, isActive = true): void {
  // Ink re-attaches a changed handler in a passive effect, which can run after the next key
  // arrives; that key would then see the previous render's state. Reading the latest
  // handler through a ref set at commit time closes that window.
  const latest = useRef({mode, text, onCommand})
  useLayoutEffect(() => {
    latest.current = {mode, text, onCommand}
  })
  const handler = useRef((input: string, key: Key) => {
    const {mode: m, text: t, onCommand: run} = latest.current
    const command = keyToCommand(input, key, m, t)
    if (command.type !== 'none') run(command)
  })
  useInput(handler.current, {isActive})
}
