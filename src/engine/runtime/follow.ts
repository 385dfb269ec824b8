/** Follow a run's journal as other processes append to it (`runs watch`, `runs logs --follow`). */
import fs from 'node:fs'
import {readJournal} from '../store/fs/journal.js'
import {assertRunExists} from '../store/fs/run-store.js'
import {TERMINAL_STATUSES, type JournalEvent} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'
import {projectRun, type RunView} from './projection.js'

/**
 * Call `onEvent` for every event (past ones first) until the run ends or `signal` aborts.
 * Uses fs.watch for promptness and a slow poll as a safety net (watch can miss renames).
 */
export async function followRun(ws: Workspace, runId: string, onEvent: (e: JournalEvent) => void, options: {signal?: AbortSignal; pollMs?: number} = {}): Promise<RunView> {
  assertRunExists(ws.layout, runId)
  const file = ws.layout.runJournal(runId)
  let seen = 0
  let events: JournalEvent[] = []
  const drain = (): boolean => {
    events = readJournal(file).events
    for (; seen < events.length; seen++) onEvent(events[seen]!)
    const view = projectRun(events)
    return view !== undefined && TERMINAL_STATUSES.includes(view.status)
  }
  if (drain() || options.signal?.aborted) return projectRun(events)!
  await new Promise<void>((resolve) => {
    let watcher: fs.FSWatcher | undefined
    const check = () => {
      if (drain() || options.signal?.aborted) {
        clearInterval(timer)
        watcher?.close()
        resolve()
      }
    }
    try {
      watcher = fs.watch(file, check)
    } catch {
      watcher = undefined
    }
    const timer = setInterval(check, options.pollMs ?? 250)
    options.signal?.addEventListener('abort', check, {once: true})
  })
  return projectRun(events)!
}
