/**
 * Draft vs live (SPEC §2, §5). A release copies the draft text, byte for byte, into an
 * immutable `v<N>.edn`; `release.edn` says which version is live. Promotion only moves the
 * pointer, so it doubles as rollback. Runs pin the exact text they start on (runs.ts), so
 * nothing here ever changes what a started run executes.
 */
import crypto from 'node:crypto'
import {BreytaError} from '../errors.js'
import type {LocalFiles, ReleaseIndex, ReleaseVersion} from '../store/types.js'
import type {Target} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {parseFlow} from './load.js'
import {assertSlug} from './slug.js'
import type {FlowDefinition} from './types.js'

export type {ReleaseIndex, ReleaseVersion} from '../store/types.js'

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex')

/** A resolved definition: the exact text a run pins, where it came from, and its sha256. */
export interface FlowSource {
  slug: string
  text: string
  target: Target
  version: number | null
  sha256: string
}

export interface ReleaseResult {
  /** False when the draft equals the newest version: nothing was written. */
  released: boolean
  slug: string
  /** The version created, or the newest one when nothing was released. */
  version: number
  sha256: string
  note: string | null
  'created-at': string
  /** The live version after the command. */
  live: number | null
  /** True when this command moved the live pointer. */
  promoted: boolean
  /** Workspace-relative path of the version file. */
  path: string
}

export interface PromoteResult {
  slug: string
  version: number
  live: number
  /** The live version before, null when there was none. */
  previous: number | null
  /** False when the version was already live (nothing written). */
  changed: boolean
}

function rel(slug: string, version: number): string {
  return `.breyta/releases/${slug}/v${version}.edn`
}

/** The release index, or flow_not_found when the flow has neither a draft nor releases. */
export async function releaseIndexOf(local: LocalFiles, slug: string): Promise<ReleaseIndex> {
  assertSlug(slug)
  const index = await local.readReleaseIndex(slug)
  if (index) return index
  await local.readDraft(slug) // flow_not_found when there is no such flow at all
  return {live: null, versions: []}
}

/**
 * Release the draft as version N+1 (after validating it), promoting it unless `promote` is
 * false. A draft identical to the newest version creates nothing and says so.
 */
export async function releaseDraft(ws: Workspace, slug: string, options: {note?: string; promote?: boolean; now?: () => Date} = {}): Promise<ReleaseResult> {
  assertSlug(slug)
  const text = await ws.local.readDraft(slug)
  const connections = new Set(Object.keys(await ws.local.readConnections()))
  const flow = parseFlow(text, {file: `flows/${slug}.edn`, connections, maxBytes: ws.config.limits.flowBytes})
  if (flow.slug !== slug)
    throw new BreytaError('invalid_flow', `flows/${slug}.edn declares :slug :${flow.slug}`, {hint: 'The file name and the :slug must agree.'})
  const digest = sha256(text)
  return ws.local.withReleaseLock(slug, async () => {
    const index = (await ws.local.readReleaseIndex(slug)) ?? {live: null, versions: []}
    const newest = index.versions.at(-1)
    if (newest && newest.sha256 === digest) {
      return {
        released: false,
        slug,
        version: newest.version,
        sha256: digest,
        note: newest.note,
        'created-at': newest['created-at'],
        live: index.live,
        promoted: false,
        path: rel(slug, newest.version),
      }
    }
    const version = (newest?.version ?? 0) + 1
    const entry: ReleaseVersion = {version, sha256: digest, note: options.note ?? null, 'created-at': (options.now?.() ?? new Date()).toISOString()}
    await ws.local.createReleaseVersion(slug, version, text)
    const promote = options.promote !== false
    const next: ReleaseIndex = {live: promote ? version : index.live, versions: [...index.versions, entry]}
    await ws.local.writeReleaseIndex(slug, next)
    return {
      released: true,
      slug,
      version,
      sha256: digest,
      note: entry.note,
      'created-at': entry['created-at'],
      live: next.live,
      promoted: promote,
      path: rel(slug, version),
    }
  })
}

/** Make version N live (a rollback when N is older). Writes nothing when N is already live. */
export async function promoteVersion(ws: Workspace, slug: string, version: number): Promise<PromoteResult> {
  return ws.local.withReleaseLock(slug, async () => {
    const index = await releaseIndexOf(ws.local, slug)
    if (!index.versions.some((v) => v.version === version)) throw versionNotFound(slug, version, index)
    const previous = index.live
    const changed = previous !== version
    if (changed) await ws.local.writeReleaseIndex(slug, {...index, live: version})
    return {slug, version, live: version, previous, changed}
  })
}

function versionNotFound(slug: string, version: number, index: ReleaseIndex): BreytaError {
  const known = index.versions.map((v) => v.version)
  return new BreytaError('version_not_found', `flow "${slug}" has no version ${version}`, {
    hint:
      known.length === 0
        ? `Release it first with \`breyta flows release ${slug}\`.`
        : `Released versions: ${known.join(', ')} (see \`breyta flows versions ${slug}\`).`,
    details: {slug, version, versions: known},
  })
}

/** The text of a released version, or the live one when `version` is undefined. */
export async function resolveReleased(ws: Workspace, slug: string, version?: number): Promise<FlowSource> {
  const index = await releaseIndexOf(ws.local, slug)
  let n = version
  if (n === undefined) {
    if (index.live === null) {
      throw new BreytaError('no_live_version', `flow "${slug}" has no live version`, {
        hint:
          index.versions.length === 0
            ? `Release the draft with \`breyta flows release ${slug}\`, or run it with --target draft.`
            : `Promote one with \`breyta flows promote ${slug} --version ${index.versions.at(-1)!.version}\`.`,
      })
    }
    n = index.live
  }
  const released = index.versions.some((v) => v.version === n) ? await ws.local.readReleasedText(slug, n) : undefined
  if (released === undefined) throw versionNotFound(slug, n, index)
  return {slug, text: released.text, target: 'live', version: n, sha256: released.sha256}
}

export interface VersionItem extends ReleaseVersion {
  live: boolean
}

/** Released versions, newest first; `before` is the cursor (a version number) from the previous page. */
export async function listVersions(
  ws: Workspace,
  slug: string,
  options: {limit?: number; before?: number} = {},
): Promise<{items: VersionItem[]; next: string | null; live: number | null}> {
  const index = await releaseIndexOf(ws.local, slug)
  const limit = options.limit ?? 20
  const all = [...index.versions].reverse().filter((v) => options.before === undefined || v.version < options.before)
  const items = all.slice(0, limit).map((v) => ({...v, live: v.version === index.live}))
  const more = all.length > limit
  return {items, next: more ? String(items.at(-1)!.version) : null, live: index.live}
}

export async function releaseFacts(ws: Workspace, slug: string): Promise<{live: number | null; versions: number}> {
  try {
    const index = await ws.local.readReleaseIndex(slug)
    return {live: index?.live ?? null, versions: index?.versions.length ?? 0}
  } catch {
    return {live: null, versions: 0}
  }
}

/** Parse a released version (for its concurrency policy). */
export async function releasedFlow(ws: Workspace, slug: string, version: number): Promise<FlowDefinition> {
  return parseFlow((await resolveReleased(ws, slug, version)).text, {file: `releases/${slug}/v${version}.edn`})
}
