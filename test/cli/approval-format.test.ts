/** The approval text shared by the TUI and `waits show`: wrapping, Markdown-ish markup, the :show tree. */
import {describe, expect, it} from 'vitest'
import {approvalLines, promptLines, wrapLine} from '../../src/cli/format/approval.js'

describe('approval text', () => {
  it('wraps at word boundaries, cuts only words wider than a line', () => {
    expect(wrapLine('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps'])
    expect(wrapLine('a abcdefghijklmnop b', 6)).toEqual(['a', 'abcdef', 'ghijkl', 'mnop b'])
    for (const line of wrapLine('lorem ipsum dolor sit amet '.repeat(8), 17)) expect(line.length).toBeLessThanOrEqual(17)
  })

  it('keeps line and paragraph breaks and shows emphasis, code, links and lists plainly', () => {
    const text = '# Deploy\n\nShip **v2** to _prod_ with `make deploy`?\nSee [the PR](https://x.test/1).\n\n- first item wraps around here\n2. second\n> quoted'
    expect(promptLines(text, 20)).toEqual([
      'Deploy',
      '',
      'Ship v2 to prod with',
      'make deploy?',
      'See the PR',
      '(https://x.test/1).',
      '',
      '• first item wraps',
      '  around here',
      '2. second',
      '│ quoted',
    ])
    // snake_case and 2*3*4 are not emphasis.
    expect(promptLines('a snake_case_name and 2*3*4', 80)).toEqual(['a snake_case_name and 2*3*4'])
  })

  it('renders :show as text or a tree, folding what is nested deeper than the depth', () => {
    const show = {reply: 'Hi,\n\nthanks', n: 3, deep: {a: {b: {c: 1}}, list: ['x', 'y']}}
    expect(approvalLines({prompt: 'OK?', show}, 40)).toEqual([
      'OK?',
      '',
      '── context',
      'reply:',
      '  Hi,',
      '',
      '  thanks',
      'n: 3',
      'deep:',
      '  a:',
      '    b: {…1 key}',
      '  list:',
      '    - x',
      '    - y',
    ])
    expect(approvalLines({prompt: 'OK?', show}, 40, {depth: Infinity})).toContain('      c: 1')
  })
})
