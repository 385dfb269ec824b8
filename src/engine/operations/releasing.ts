/**
 * Release and promotion as the CLI and daemon call them: the file work of flow/releases.ts
 * plus what a promotion means for runs (`:on-new-version :supersede`). Importing this module
 * plugs releases and concurrency policies into the run operations (engine/index.ts does).
 */
import {diffFlow, parseDiffSide, type DiffSide, type FlowDiff} from '../flow/diff.js'
import {listVersions, promoteVersion, releaseDraft, releaseFacts, resolveReleased, type PromoteResult, type ReleaseResult, type VersionItem} from '../flow/releases.js'
import type {Workspace} from '../workspace/workspace.js'
import {admitNewRun, admitSelf, releaseSlot, supersedeOtherVersions} from '../runtime/concurrency.js'
import {setReleaseFacts} from './flows.js'
import {setQueueHooks} from '../runtime/run-loop.js'
import {setAdmission, setLiveResolver} from '../runtime/runs.js'

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

function supersedeOnPromote(ws: Workspace, slug: string, version: number): Promise<string[]> {
  return supersedeOtherVersions(ws, slug, version)
}

setLiveResolver((ws, slug, version) => resolveReleased(ws, slug, version))
setReleaseFacts(releaseFacts)
setAdmission(admitNewRun)
setQueueHooks({admit: admitSelf, ended: releaseSlot})
