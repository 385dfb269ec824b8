/**
 * Release and promotion as the CLI and daemon call them: the file work of flow/releases.ts
 * plus what a promotion means for runs (`:on-new-version :supersede`).
 */
import type {BreytaError} from '../errors.js'
import {diffFlow, parseDiffSide, type DiffSide, type FlowDiff} from '../flow/diff.js'
import {listVersions, promoteVersion, releaseDraft, releasedFlow, type PromoteResult, type ReleaseResult, type VersionItem} from '../flow/releases.js'
import type {Workspace} from '../workspace/workspace.js'
import {activeRuns, unindexedLiveRuns} from '../runtime/concurrency.js'
import {cancelRun} from '../runtime/runs.js'

export {diffFlow, parseDiffSide, listVersions, type DiffSide, type FlowDiff, type VersionItem}

export interface ReleaseOutcome extends ReleaseResult {
  /** Runs cancelled because the new live version supersedes theirs. */
  superseded: string[]
}

export interface PromoteOutcome extends PromoteResult {
  superseded: string[]
}

/** `flows release`: validate the draft, write v<N>.edn and release.edn, promote unless told not to. */
export async function releaseFlow(ws: Workspace, slug: string, options: {note?: string; promote?: boolean} = {}): Promise<ReleaseOutcome> {
  const result = await releaseDraft(ws, slug, options)
  const superseded = result.promoted ? await supersedeOnPromote(ws, slug, result.version) : []
  return {...result, superseded}
}

/** `flows promote`: make version N live (also a rollback). */
export async function promoteFlow(ws: Workspace, slug: string, version: number): Promise<PromoteOutcome> {
  const result = await promoteVersion(ws, slug, version)
  const superseded = result.changed ? await supersedeOnPromote(ws, slug, version) : []
  return {...result, superseded}
}

/**
 * After `version` became live: with `:on-new-version :supersede` (read from that version's
 * definition) cancel the flow's active live runs pinned to any other version; with `:drain`
 * (the default) let them finish. Draft runs are never touched. Returns the cancelled run ids.
 */
async function supersedeOnPromote(ws: Workspace, slug: string, version: number): Promise<string[]> {
  const policy = (await releasedFlow(ws, slug, version)).concurrency.onNewVersion
  if (policy !== 'supersede') return []
  const indexed = (await activeRuns(ws, slug)).filter((e) => e.target === 'live' && e.version !== null && e.version !== version).map((e) => e.run)
  const victims = [...new Set([...indexed, ...(await unindexedLiveRuns(ws, slug, version))])]
  const cancelled: string[] = []
  for (const id of victims) {
    try {
      const v = await cancelRun(ws, id, {reason: `superseded by v${version} of ${slug} (:on-new-version :supersede)`})
      if (v.status === 'cancelled') cancelled.push(id)
    } catch (err) {
      if ((err as BreytaError).code !== 'run_not_active') throw err
    }
  }
  return cancelled
}
