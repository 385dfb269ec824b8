/**
 * `runs list`: newest first from a directory listing of ULID run ids, reading only as many
 * snapshots as the page needs, so the cost does not grow with the number of runs on disk.
 */
import type {RunStatus} from '../journal/events.js'
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

export async function listRuns(ws: Workspace, options: ListRunsOptions = {}): Promise<Page<RunSummary>> {
  const limit = options.limit ?? 20
  const items: RunSummary[] = []
  let lastId: string | null = null
  let more = false
  // Waiting runs have an index (RunStore.waitingIds): listing them reads only them.
  const ids = options.status === 'waiting' ? await waitingIds(ws, options.before) : await ws.store.runs.listIds({before: options.before})
  for (const id of ids) {
    if (items.length >= limit) {
      more = true
      break
    }
    lastId = id
    const view = (await ws.store.runs.readSnapshot(id)) ?? (await safeView(ws, id))
    if (!view) continue
    if (options.flow !== undefined && view.flow !== options.flow) continue
    if (options.status !== undefined && view.status !== options.status) continue
    items.push(summarize(view))
  }
  return {items, next: more ? lastId : null}
}

/** Runs waiting now, from the waiting index (built once from the snapshots in an older workspace). */
export async function waitingIds(ws: Workspace, before?: string): Promise<string[]> {
  const ids = await ws.store.runs.waitingIds(async (all) => {
    const waiting: string[] = []
    for (const id of all) if ((await ws.store.runs.readSnapshot(id))?.status === 'waiting') waiting.push(id)
    return waiting
  })
  return before === undefined ? ids : ids.filter((id) => id < before)
}

async function safeView(ws: Workspace, id: string) {
  try {
    return await ws.store.runs.readView(id)
  } catch {
    return undefined
  }
}
