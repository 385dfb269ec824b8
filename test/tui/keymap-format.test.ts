import {describe, expect, it} from 'vitest'
import type {Key} from 'ink'
import {editText, keyToCommand} from '../../src/tui/keymap.js'
import {formatAge, formatDuration, hardWrap, prettyLines, truncate, windowRange, describeError} from '../../src/tui/format.js'
import {matchesFilter, orderRuns} from '../../src/tui/types.js'
import {summarize} from './memory-source.js'
import {fixtureRuns, noKeys as none} from './fixtures.js'

const k = (over: Partial<Key>): Key => ({...none, ...over})

describe('key map', () => {
  it('maps SPEC §8 keys in normal mode', () => {
    expect(keyToCommand('', k({downArrow: true}), 'normal').type).toBe('down')
    expect(keyToCommand('j', none, 'normal').type).toBe('down')
    expect(keyToCommand('k', none, 'normal').type).toBe('up')
    expect(keyToCommand('', k({return: true}), 'normal').type).toBe('open')
    expect(keyToCommand('', k({escape: true}), 'normal').type).toBe('back')
    // most terminals send \x7f for backspace, which Ink calls delete
    expect(keyToCommand('', k({delete: true}), 'normal').type).toBe('back')
    expect(['a', 'r', 'c', '/', '?', 'q'].map((c) => keyToCommand(c, none, 'normal').type)).toEqual(['approve', 'reject', 'cancel', 'filter', 'help', 'quit'])
    expect(keyToCommand('', k({pageDown: true}), 'normal').type).toBe('pageDown')
    expect(keyToCommand('x', none, 'normal').type).toBe('none')
  })

  it('treats every printable key as text while editing', () => {
    expect(keyToCommand('q', none, 'text', 'ab')).toEqual({type: 'edit', value: 'abq'})
    expect(keyToCommand('', k({delete: true}), 'text', 'ab')).toEqual({type: 'edit', value: 'a'})
    expect(keyToCommand('', k({return: true}), 'text', 'ab')).toEqual({type: 'submit'})
    expect(keyToCommand('', k({escape: true}), 'text', 'ab')).toEqual({type: 'dismiss'})
    expect(editText('x', 'u', k({ctrl: true}))).toEqual({type: 'edit', value: ''})
    expect(editText('', 'two\nlines', none)).toEqual({type: 'edit', value: 'two lines'})
  })

  it('a multi-line comment: enter adds a line, ctrl-d or ctrl-s submits, pasted lines stay lines', () => {
    expect(keyToCommand('', k({return: true}), 'lines', 'ab')).toEqual({type: 'edit', value: 'ab\n'})
    expect(keyToCommand('d', k({ctrl: true}), 'lines', 'ab')).toEqual({type: 'submit'})
    expect(keyToCommand('s', k({ctrl: true}), 'lines', 'ab')).toEqual({type: 'submit'})
    expect(keyToCommand('', k({escape: true}), 'lines', 'ab')).toEqual({type: 'dismiss'})
    expect(editText('', 'two\r\nlines', none, true)).toEqual({type: 'edit', value: 'two\nlines'})
    expect(keyToCommand('d', k({ctrl: true}), 'text', 'ab')).toEqual({type: 'none'})
  })

  it('confirm mode only knows y and n/esc', () => {
    expect(keyToCommand('y', none, 'confirm').type).toBe('yes')
    expect(keyToCommand('n', none, 'confirm').type).toBe('no')
    expect(keyToCommand('', k({escape: true}), 'confirm').type).toBe('no')
    expect(keyToCommand('a', none, 'confirm').type).toBe('none')
  })
})

describe('format', () => {
  it('truncates with an ellipsis and flattens newlines', () => {
    expect(truncate('hello world', 5)).toBe('hell…')
    expect(truncate('a\nb', 5)).toBe('a b')
    expect(truncate('abc', 0)).toBe('')
  })

  it('formats durations and ages', () => {
    expect(formatDuration(340)).toBe('340ms')
    expect(formatDuration(12_340)).toBe('12.3s')
    expect(formatDuration(245_000)).toBe('4m05s')
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe('2h03m')
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe('3d04h')
    const now = Date.parse('2026-01-10T12:00:00Z')
    expect(formatAge('2026-01-10T11:59:55Z', now)).toBe('5s')
    expect(formatAge('2026-01-08T12:00:00Z', now)).toBe('2d')
    expect(formatAge('garbage', now)).toBe('?')
  })

  it('wraps pretty-printed values to the width instead of cutting them', () => {
    const lines = prettyLines({text: 'x'.repeat(50)}, 20)
    expect(lines.every((l) => l.length <= 20)).toBe(true)
    expect(lines.join('')).toContain('x'.repeat(30).slice(0, 10))
    expect(hardWrap('abcdef', 4)).toEqual(['abcd', 'ef'])
    expect(prettyLines('plain\nstring', 80)).toEqual(['plain', 'string'])
  })

  it('windows a long list around the selection', () => {
    expect(windowRange(5, 2, 10)).toEqual({start: 0, end: 5})
    expect(windowRange(1000, 0, 10)).toEqual({start: 0, end: 10})
    expect(windowRange(1000, 500, 10)).toEqual({start: 495, end: 505})
    expect(windowRange(1000, 999, 10)).toEqual({start: 990, end: 1000})
  })

  it('describes thrown errors by code and message', () => {
    expect(describeError({code: 'run_not_found', message: 'no run x'})).toBe('run_not_found: no run x')
    expect(describeError(new Error('boom'))).toBe('boom')
    expect(describeError('weird')).toBe('weird')
  })
})

describe('list helpers', () => {
  it('matches the filter against flow and status, case-insensitively', () => {
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'DEPLOY')).toBe(true)
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'wait')).toBe(true)
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'nightly')).toBe(false)
    expect(matchesFilter({flow: 'x', status: 'failed'}, '  ')).toBe(true)
  })

  it('filters by status:S and flow:F, every word matching', () => {
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'status:waiting flow:deploy')).toBe(true)
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'status:wait')).toBe(false)
    expect(matchesFilter({flow: 'waiting-room', status: 'failed'}, 'status:waiting')).toBe(false)
    expect(matchesFilter({flow: 'waiting-room', status: 'failed'}, 'flow:waiting failed')).toBe(true)
    expect(matchesFilter({flow: 'deploy-api', status: 'waiting'}, 'deploy nightly')).toBe(false)
  })

  it('orders approvals first, then newest first', () => {
    const ordered = orderRuns(fixtureRuns().map(summarize)).map((r) => r.flow)
    expect(ordered).toEqual(['release-notes', 'deploy-api', 'nightly-report', 'sync-issues', 'cleanup'])
  })
})
