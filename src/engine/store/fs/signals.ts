/**
 * Change signals, two kinds in one directory:
 * - `signals/<run-id>`: "daemon, look at this run". Whoever changes a run in a way the daemon
 *   must react to (a new run, a wait completion in the inbox, an advance that ended or parked
 *   and let go of the lock) touches it; the daemon watches `signals/` and consumes them.
 * - `signals/changed/<run-id>`: "this run changed", for observers (the TUI, `runs watch`, through
 *   `watchRunChanges`). Rewritten on every journal append and with every daemon signal, by every
 *   process, daemon or not; nobody consumes them: the file's only job is the inotify event.
 *
 * Why not a watch on `runs/` itself: measured with chokidar 5 over 10,000 run directories,
 * watching the run dirs cost 288–406 MB RSS and 9–10 s to get ready, and even depth 0 cost
 * ~57 MB and 3 s. One directory of empty files costs nothing when idle.
 *
 * A daemon signal is written only while a daemon.json exists (no one else would consume it), and
 * only after the change itself is on disk: a daemon writes daemon.json before its start-up scan,
 * so a change is either seen by the scan or signalled. The daemon process mutes its own daemon
 * signals (it already knows), never its change notices (observers need those).
 *
 * Cost, measured on this ext4 machine: rewriting an existing notice is ~6 µs (open/truncate/
 * close, no fsync); a new name is a hard link of the directory's one blank file (blank-links.ts), a
 * few µs where a new inode cost ~0.7 ms. Notices live in their own directory so they can stay
 * (one name per run) without slowing the daemon's once-a-second sweep of `signals/`.
 */
import fs from 'node:fs'
import path from 'node:path'
import {linkMarker} from './blank-links.js'
import {isRunId, type WorkspaceLayout} from './paths.js'
import {readdirOrNone, REWRITE} from './snapshot.js'

let muted = false

/** The daemon calls this: its own changes need no daemon signal (observers still get their notices). */
export function muteSignals(on = true): void {
  muted = on
}

/** Tell observers that run `runId` changed, and a running daemon to look at it again. Never throws. */
export function signalRun(layout: WorkspaceLayout, runId: string): void {
  noteRunChanged(layout, runId)
  if (muted || !fs.existsSync(layout.daemonJson)) return
  // On failure the daemon's periodic sweep and start-up scan still find the change.
  touch(layout.runSignal(runId), layout.signalsDir)
}

/** Tell observers (not the daemon) that run `runId` changed: called after every journal append. Never throws. */
export function noteRunChanged(layout: WorkspaceLayout, runId: string): void {
  // On failure an observer shows the change with the next one.
  touch(layout.runChange(runId), layout.changesDir)
}

/**
 * Rewrite notice `file` in `dir`, or make it a name of the directory's blank (blank-links.ts):
 * either way watchers of `dir` get an inotify event under the notice's name. Never throws; the
 * caller says what covers a lost signal.
 */
function touch(file: string, dir: string): void {
  // Looked for first: a run's first notice finds none, and a failed open costs ~5 µs.
  try {
    if (fs.existsSync(file)) return void fs.closeSync(fs.openSync(file, REWRITE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return
  }
  try {
    linkMarker(file, dir)
  } catch {
    // the caller says what covers a lost signal
  }
}

/** Run ids with a pending signal. */
export function pendingSignals(layout: WorkspaceLayout): string[] {
  try {
    // Not temp files, nor the `changed/` directory of observer notices.
    return fs.readdirSync(layout.signalsDir).filter((n) => isRunId(n))
  } catch {
    return []
  }
}

/** Consume a signal before looking at the run (a later signal then shows up as a new file). */
export function clearSignal(layout: WorkspaceLayout, runId: string): void {
  try {
    fs.unlinkSync(layout.runSignal(runId))
  } catch {
    // already consumed
  }
}

export interface RunChangeWatch {
  close(): void
}

const POLL_MS = 1000

/**
 * Call `onChange(runId)` whenever any process changes a run (see noteRunChanged): one fs.watch
 * on `signals/changed/`, one inotify watch however many runs exist. A burst of appends gives a
 * burst of calls; callers coalesce. If the watch cannot be opened (the user is out of inotify
 * instances), it polls the notices' mtimes once a second instead.
 */
export function watchRunChanges(layout: WorkspaceLayout, onChange: (runId: string) => void): RunChangeWatch {
  const dir = layout.changesDir
  fs.mkdirSync(dir, {recursive: true})
  let closed = false
  let watcher: fs.FSWatcher | undefined
  let poll: NodeJS.Timeout | undefined
  const report = (name: string | null) => {
    if (!closed && name && isRunId(name)) onChange(name)
  }
  const startPolling = () => {
    let since = Date.now()
    poll ??= setInterval(() => {
      const scanStart = Date.now()
      for (const name of readdirOrNone(dir)) {
        try {
          // Notices share one inode (see touch), so their mtime says nothing of which run changed.
          if (isRunId(name) && fs.statSync(layout.runJournal(name)).mtimeMs >= since) report(name)
        } catch {
          // gone since the listing
        }
      }
      since = scanStart
    }, POLL_MS)
  }
  const open = () => {
    try {
      watcher = fs.watch(dir, (_event, name) => report(name))
    } catch {
      return startPolling()
    }
    watcher.on('error', () => {
      watcher?.close()
      if (closed) return
      fs.mkdirSync(dir, {recursive: true})
      open()
    })
  }
  open()
  return {
    close() {
      closed = true
      if (poll !== undefined) clearInterval(poll)
      watcher?.close()
    },
  }
}

const SWEEP_MS = 1000

/**
 * The executor's side of `signalRun` (the daemon): each signalled run is consumed, then passed to
 * `onRun`. A plain fs.watch on `signals/` (one inotify watch, events within a millisecond or
 * two), plus a sweep every second in case the kernel dropped an event under load.
 */
export function consumeSignals(layout: WorkspaceLayout, onRun: (runId: string) => void): {close(): Promise<void>} {
  const dir = layout.signalsDir
  fs.mkdirSync(dir, {recursive: true})
  const take = (id: string) => {
    if (!isRunId(id)) return
    clearSignal(layout, id)
    onRun(id)
  }
  const sweep = () => {
    for (const id of pendingSignals(layout)) take(id)
  }
  let watcher: fs.FSWatcher | undefined
  const open = () => {
    watcher = fs.watch(dir, (_event, name) => {
      if (name && fs.existsSync(path.join(dir, name))) take(name)
    })
    watcher.on('error', () => {
      watcher?.close()
      fs.mkdirSync(dir, {recursive: true})
      open()
    })
  }
  open()
  const timer = setInterval(sweep, SWEEP_MS)
  timer.unref()
  sweep()
  return {
    async close() {
      clearInterval(timer)
      watcher?.close()
    },
  }
}
