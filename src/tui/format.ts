/**
 * Pure text helpers. The layout is computed here, not left to Ink's wrapping, because a
 * wrapped row in an 80x24 terminal pushes the key hints off screen.
 */
import type {Json} from './types.js'

/** Cut to `width` columns, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return ''
  const flat = text.replace(/[\r\n\t]+/g, ' ')
  if (flat.length <= width) return flat
  return width === 1 ? '…' : flat.slice(0, width - 1) + '…'
}

/** Truncate, then pad with spaces to exactly `width` columns (table cells). */
export function cell(text: string, width: number): string {
  return truncate(text, width).padEnd(Math.max(0, width))
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t
}

/** Compact duration: 340ms, 12.3s, 4m05s, 2h03m, 3d04h. */
export function formatDuration(millis: number): string {
  if (millis < 0) millis = 0
  if (millis < 1000) return `${Math.round(millis)}ms`
  const s = millis / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const totalS = Math.floor(s)
  const m = Math.floor(totalS / 60)
  if (m < 60) return `${m}m${String(totalS % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`
}

/** Duration between two timestamps; an unfinished span runs up to `now`. Empty if never started. */
export function spanDuration(startedAt: string | null, finishedAt: string | null, now: number): string {
  const start = ms(startedAt)
  if (start === null) return ''
  return formatDuration((ms(finishedAt) ?? now) - start)
}

/** Age for list rows: 5s, 3m, 2h, 4d (one unit is enough to scan a list). */
export function formatAge(createdAt: string, now: number): string {
  const t = ms(createdAt)
  if (t === null) return '?'
  const s = Math.max(0, Math.floor((now - t) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86_400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86_400)}d`
}

/**
 * Pretty-print a value as lines no wider than `width`. Long lines are split rather than
 * truncated so a step's stdout stays readable by scrolling.
 */
export function prettyLines(value: Json | undefined, width: number): string[] {
  const text = value === undefined ? 'null' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)
  return hardWrap(text, width)
}

export function hardWrap(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const out: string[] = []
  for (const raw of text.replace(/\t/g, '  ').split(/\r?\n/)) {
    if (raw.length === 0) out.push('')
    for (let i = 0; i < raw.length; i += w) out.push(raw.slice(i, i + w))
  }
  return out
}

/**
 * The slice of a list to draw so that `selected` is visible: keeps it roughly centred, and
 * stateless so a live reload never jumps the view.
 */
export function windowRange(total: number, selected: number, height: number): {start: number; end: number} {
  if (height <= 0 || total <= 0) return {start: 0, end: 0}
  if (total <= height) return {start: 0, end: total}
  const start = Math.min(Math.max(0, selected - Math.floor(height / 2)), total - height)
  return {start, end: start + height}
}

/** One-line description of whatever an action threw. */
export function describeError(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const {code, message} = error as {code?: unknown; message?: unknown}
    if (typeof code === 'string' && typeof message === 'string') return `${code}: ${message}`
    if (typeof message === 'string') return message
  }
  return String(error)
}

export function clamp(n: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, n))
}
