/**
 * An approval as a person reads it, as plain lines of a given width: the prompt as text
 * (wrapped at word boundaries, Markdown-ish emphasis, headings, quotes and lists shown plainly)
 * and the `:show` context as text or a data tree. Shared by the TUI and `waits show`, so it
 * knows nothing of Ink or colours.
 */

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

export interface ApprovalContent {
  prompt: string
  show?: Record<string, Json> | null
}

export interface ApprovalTextOptions {
  /** Collections nested deeper than this are folded to `{…3 keys}` (default 2; Infinity unfolds all). */
  depth?: number
}

/** Break one line at word boundaries; a word longer than the width is cut. `indent` prefixes continuation lines. */
export function wrapLine(line: string, width: number, indent = ''): string[] {
  const w = Math.max(indent.length + 1, width)
  if (line.length <= w) return [line]
  const out: string[] = []
  const lead = /^\s*/.exec(line)![0]
  let current = lead
  let empty = true
  for (let word of line.slice(lead.length).split(/ +/).filter(Boolean)) {
    while (word !== '') {
      const sep = empty ? '' : ' '
      if (current.length + sep.length + word.length <= w) {
        current += sep + word
        empty = false
        word = ''
      } else if (!empty) {
        out.push(current)
        current = indent
        empty = true
      } else {
        // A word wider than a whole line: cut it.
        const room = Math.max(1, w - current.length)
        out.push(current + word.slice(0, room))
        word = word.slice(room)
        current = indent
      }
    }
  }
  if (!empty) out.push(current)
  return out
}

/** Inline Markdown shown plainly: emphasis and code markers dropped, links as "text (url)". */
export function plainInline(text: string): string {
  return text
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/(^|[\s(])([*_])(?=\S)(.+?)(?<=\S)\2(?=$|[\s).,;:!?])/g, '$1$3')
}

/** The prompt as wrapped lines: its own line breaks kept, blank lines kept as paragraph breaks. */
export function promptLines(prompt: string, width: number): string[] {
  const out: string[] = []
  let fenced = false
  for (const raw of prompt.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced
      continue
    }
    if (fenced) {
      out.push(...wrapLine('  ' + raw, width, '  '))
      continue
    }
    const line = raw.replace(/\t/g, '  ').trimEnd()
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line)
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line)
    const numbered = /^(\s*)(\d+[.)])\s+(.*)$/.exec(line)
    const quote = /^\s*>\s?(.*)$/.exec(line)
    if (heading) out.push(...wrapLine(plainInline(heading[1]!), width))
    else if (bullet) out.push(...wrapLine(`${bullet[1]}• ${plainInline(bullet[2]!)}`, width, bullet[1] + '  '))
    else if (numbered)
      out.push(...wrapLine(`${numbered[1]}${numbered[2]} ${plainInline(numbered[3]!)}`, width, numbered[1] + ' '.repeat(numbered[2]!.length + 1)))
    else if (quote) out.push(...wrapLine(`│ ${plainInline(quote[1]!)}`, width, '│ '))
    else out.push(...wrapLine(plainInline(line), width))
  }
  while (out.length > 0 && out.at(-1) === '') out.pop()
  return out
}

const isScalar = (v: Json): v is null | boolean | number | string => v === null || typeof v !== 'object'

function scalarText(v: null | boolean | number | string): string {
  return v === null ? 'nil' : String(v)
}

function folded(v: Json[] | {[key: string]: Json}): string {
  if (Array.isArray(v)) return `[…${v.length} item${v.length === 1 ? '' : 's'}]`
  const n = Object.keys(v).length
  return `{…${n} key${n === 1 ? '' : 's'}}`
}

/** `label: value` for scalars and one-line strings; text below the label for long or multi-line strings; else a tree. */
function entryLines(label: string, value: Json, pad: string, width: number, depth: number, maxDepth: number): string[] {
  if (isScalar(value)) {
    const text = scalarText(value)
    if (typeof value === 'string' && (value.includes('\n') || label.length + text.length + 2 + pad.length > width)) {
      return [`${pad}${label}:`, ...promptLines(value, width - pad.length - 2).map((l) => (l === '' ? '' : `${pad}  ${l}`))]
    }
    return wrapLine(`${pad}${label}: ${text}`, width, pad + '  ')
  }
  if (depth >= maxDepth) return [`${pad}${label}: ${folded(value)}`]
  if (Array.isArray(value) && value.length === 0) return [`${pad}${label}: []`]
  if (!Array.isArray(value) && Object.keys(value).length === 0) return [`${pad}${label}: {}`]
  return [`${pad}${label}:`, ...treeLines(value, pad + '  ', width, depth + 1, maxDepth)]
}

function treeLines(value: Json[] | {[key: string]: Json}, pad: string, width: number, depth: number, maxDepth: number): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isScalar(item))
        return typeof item === 'string'
          ? promptLines(item, width - pad.length - 2).map((l, i) => `${pad}${i === 0 ? '- ' : '  '}${l}`)
          : [`${pad}- ${scalarText(item)}`]
      if (depth >= maxDepth) return [`${pad}- ${folded(item)}`]
      return [`${pad}-`, ...treeLines(item, pad + '  ', width, depth + 1, maxDepth)]
    })
  }
  return Object.entries(value).flatMap(([k, v]) => entryLines(k, v, pad, width, depth, maxDepth))
}

/** The `:show` context: one entry per label, in the order the flow wrote them. */
export function showLines(show: Record<string, Json>, width: number, options: ApprovalTextOptions = {}): string[] {
  return Object.entries(show).flatMap(([label, value]) => entryLines(label, value, '', width, 0, options.depth ?? 2))
}

/** The whole approval: the prompt, then a rule and the context when the flow declares one. */
export function approvalLines(approval: ApprovalContent, width: number, options: ApprovalTextOptions = {}): string[] {
  const lines = promptLines(approval.prompt, width)
  const show = approval.show
  if (show && Object.keys(show).length > 0) lines.push('', '── context', ...showLines(show, width, options))
  return lines
}
