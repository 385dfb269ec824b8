/** Follow a run's journal, and its steps' live output, as other processes write them (`runs watch`, `runs logs --follow`). */
import fs from 'node:fs'
import {readJournal} from '../store/fs/journal.js'
import {assertRunExists} from '../store/fs/run-store.js'
import {watchRunChanges} from '../store/fs/signals.js'
import {TERMINAL_STATUSES, type JournalEvent} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {projectRun, type RunView} from '../journal/projection.js'
import {RunOutputCursor, type OutputItem} from './step-output-read.js'

export interface FollowOptions {
  signal?: AbortSignal
  pollMs?: number
  /** Also follow the steps' live output (`:exec`/`:ssh` lines), interleaved with events by time. */
  onOutput?: (item: OutputItem) => void
  /** Only this step's output (events are all passed on; the caller filters). */
  step?: string
}

/**
 * Call `onEvent` for every event (past ones first) until the run ends or `signal` aborts.
 * Uses fs.watch for promptness and a slow poll as a safety net (watch can miss renames). Output
 * arrives without a journal append: the run's change notice (signals.ts) says when.
 */
export async function followRun(ws: Workspace, runId: string, onEvent: (e: JournalEvent) => void, options: FollowOptions = {}): Promise<RunView> {
  assertRunExists(ws.layout, runId)
  const file = ws.layout.runJournal(runId)
  const output = options.onOutput ? new RunOutputCursor(ws.layout, runId, options.step) : undefined
  let seen = 0
  let events: JournalEvent[] = []
  const drain = (): boolean => {
    events = readJournal(file).events
    const fresh = events.slice(seen)
    seen = events.length
    // Read after the journal: a step's lines are on disk before its end is journaled, so they come first.
    const lines = output?.read() ?? []
    let i = 0
    for (const e of fresh) {
      for (; i < lines.length && lines[i]!.at <= e.at; i++) options.onOutput!(lines[i]!)
      onEvent(e)
    }
    for (; i < lines.length; i++) options.onOutput!(lines[i]!)
    const view = projectRun(events)
    return view !== undefined && TERMINAL_STATUSES.includes(view.status)
  }
  if (drain() || options.signal?.aborted) return projectRun(events)!
  await new Promise<void>((resolve) => {
    let watcher: fs.FSWatcher | undefined
    let changes: {close(): void} | undefined
    const check = () => {
      if (drain() || options.signal?.aborted) {
        clearInterval(timer)
        watcher?.close()
        changes?.close()
        resolve()
      }
    }
    try {
      watcher = fs.watch(file, check)
    } catch {
      watcher = undefined
    }
    if (output) changes = watchRunChanges(ws.layout, (id) => { if (id === runId) check() })
    const timer = setInterval(check, options.pollMs ?? 250)
    options.signal?.addEventListener('abort', check, {once: true})
  })
  return projectRun(events)!
}
