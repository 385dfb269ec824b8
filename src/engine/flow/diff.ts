/**
 * `flows diff`: a line diff of two definitions of one flow (draft, live, or a version), as a
 * git-style unified diff for people and as hunks for agents. The EDN text is compared as
 * written, since that is what a run pins and what git shows.
 */
import crypto from 'node:crypto'
import {structuredPatch} from 'diff'
import {BreytaError} from '../errors.js'
import type {Target} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {resolveReleased} from './releases.js'

/** `draft`, `live`, or a version number. */
export type DiffSide = 'draft' | 'live' | number

export interface DiffEnd {
  target: Target
  version: number | null
  sha256: string
  /** Workspace-relative file the text came from. */
  path: string
}

export interface DiffHunk {
  'old-start': number
  'old-lines': number
  'new-start': number
  'new-lines': number
  /** Each line prefixed with "+", "-", " " (or "\\" for "No newline at end of file"). */
  lines: string[]
}

export interface FlowDiff {
  slug: string
  from: DiffEnd
  to: DiffEnd
  changed: boolean
  hunks: DiffHunk[]
  /** The unified diff ("" when nothing changed). */
  unified: string
}

/** Parse a --from/--to value: draft, live, N or vN. */
export function parseDiffSide(value: string | undefined, fallback: DiffSide): DiffSide {
  if (value === undefined) return fallback
  const v = value.trim().toLowerCase()
  if (v === 'draft' || v === 'live') return v
  const m = /^v?(\d+)$/.exec(v)
  if (m && Number(m[1]) >= 1) return Number(m[1])
  throw new BreytaError('invalid_input', `"${value}" is not draft, live or a version number`, {
    hint: 'Use --from live --to draft, or version numbers like --from 1 --to 2.',
  })
}

async function resolveSide(ws: Workspace, slug: string, side: DiffSide): Promise<{text: string; end: DiffEnd}> {
  if (side === 'draft') {
    const text = await ws.local.readDraft(slug)
    return {text, end: {target: 'draft', version: null, sha256: crypto.createHash('sha256').update(text).digest('hex'), path: `.breyta/flows/${slug}.edn`}}
  }
  const src = await resolveReleased(ws, slug, side === 'live' ? undefined : side)
  return {text: src.text, end: {target: 'live', version: src.version, sha256: src.sha256, path: `.breyta/releases/${slug}/v${src.version}.edn`}}
}

function label(side: DiffSide, end: DiffEnd): string {
  return side === 'draft' ? 'draft' : side === 'live' ? `live (v${end.version})` : `v${end.version}`
}

/** Diff two definitions of `slug`; defaults: from live to draft. */
export async function diffFlow(ws: Workspace, slug: string, options: {from?: DiffSide; to?: DiffSide; context?: number} = {}): Promise<FlowDiff> {
  const fromSide = options.from ?? 'live'
  const toSide = options.to ?? 'draft'
  const a = await resolveSide(ws, slug, fromSide)
  const b = await resolveSide(ws, slug, toSide)
  const patch = structuredPatch(`a/${a.end.path}`, `b/${b.end.path}`, a.text, b.text, label(fromSide, a.end), label(toSide, b.end), {
    context: options.context ?? 3,
  })
  const hunks: DiffHunk[] = patch.hunks.map((h) => ({
    'old-start': h.oldStart,
    'old-lines': h.oldLines,
    'new-start': h.newStart,
    'new-lines': h.newLines,
    lines: h.lines,
  }))
  const unified =
    hunks.length === 0
      ? ''
      : [
          `--- a/${a.end.path}\t${label(fromSide, a.end)}`,
          `+++ b/${b.end.path}\t${label(toSide, b.end)}`,
          ...hunks.flatMap((h) => [`@@ -${h['old-start']},${h['old-lines']} +${h['new-start']},${h['new-lines']} @@`, ...h.lines]),
        ].join('\n') + '\n'
  return {slug, from: a.end, to: b.end, changed: a.text !== b.text, hunks, unified}
}
