/** Follow a run's journal, and its steps' live output, as other processes write them (`runs watch`, `runs logs --follow`). */
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
 * Uses the store's change feed for promptness (every journal append, and a step's output, rewrite
 * the run's change notice) and a slow poll as a safety net (a watch can miss events).
 */
export async function followRun(ws: Workspace, runId: string, onEvent: (e: JournalEvent) => void, options: FollowOptions = {}): Promise<RunView> {
  await ws.store.runs.assertExists(runId)
  const output = options.onOutput ? new RunOutputCursor(ws, runId, options.step) : undefined
  let seen = 0
  let events: JournalEvent[] = []
  const drain = async (): Promise<boolean> => {
    events = (await ws.store.journals.read(runId)).events
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
  if ((await drain()) || options.signal?.aborted) return projectRun(events)!
  await new Promise<void>((resolve, reject) => {
    let done = false
    // One read at a time; a change during it is read right after.
    let reading: Promise<void> | undefined
    let again = false
    const finish = () => {
      done = true
      clearInterval(timer)
      void changes.close()
      resolve()
    }
    const check = () => {
      if (done) return
      if (reading) return void (again = true)
      reading = drain().then(
        (ended) => {
          reading = undefined
          if (ended || options.signal?.aborted) return finish()
          if (again) {
            again = false
            check()
          }
        },
        (err: unknown) => {
          done = true
          clearInterval(timer)
          void changes.close()
          reject(err)
        },
      )
    }
    const changes = ws.store.signals.watch((id) => {
      if (id === runId) check()
    })
    const timer = setInterval(check, options.pollMs ?? 250)
    options.signal?.addEventListener('abort', check, {once: true})
  })
  return projectRun(events)!
}
