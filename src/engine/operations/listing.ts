/**
 * `runs list`: newest first from a directory listing of ULID run ids, reading only as many
 * snapshots as the page needs, so the cost does not grow with the number of runs on disk.
 */
import {listRunIds, readRunSnapshot, readRunView} from '../store/fs/run-store.js'
import type {RunStatus} from '../journal/events.js'
import {waitingRunIds} from '../store/fs/waiting-index.js'
import type {Workspace} from '../workspace/workspace.js'
import {summarize, type RunSummary} from '../journal/projection.js'

export interface ListRunsOptions {
  flow?: string
  status?: RunStatus
  limit?: number
  /** Cursor from a previous page: list runs older than this id. */
  before?: string
}

export interface Page<T> {
  items: T[]
  next: string | null
}

export function listRuns(ws: Workspace, options: ListRunsOptions = {}): Page<RunSummary> {
  const limit = options.limit ?? 20
  const items: RunSummary[] = []
  let lastId: string | null = null
  let more = false
  // Waiting runs have an index (store/fs/waiting-index.ts): listing them reads only them.
  const ids = options.status === 'waiting' ? waitingIds(ws, options.before) : listRunIds(ws.layout, {before: options.before})
  for (const id of ids) {
    if (items.length >= limit) {
      more = true
      break
    }
    lastId = id
    const view = readRunSnapshot(ws.layout, id) ?? safeView(ws, id)
    if (!view) continue
    if (options.flow !== undefined && view.flow !== options.flow) continue
    if (options.status !== undefined && view.status !== options.status) continue
    items.push(summarize(view))
  }
  return {items, next: more ? lastId : null}
}

/** Runs waiting now, from the waiting index (built once from the snapshots in an older workspace). */
export function waitingIds(ws: Workspace, before?: string): string[] {
  const ids = waitingRunIds(ws.layout, (all) => all.filter((id) => readRunSnapshot(ws.layout, id)?.status === 'waiting'))
  return before === undefined ? ids : ids.filter((id) => id < before)
}

function safeView(ws: Workspace, id: string) {
  try {
    return readRunView(ws.layout, id)
  } catch {
    return undefined
  }
}
