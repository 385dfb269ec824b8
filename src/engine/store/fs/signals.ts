/**
 * Change notices for the daemon. Whoever changes a run in a way the daemon must react to (a new
 * run, a wait completion in the inbox, an advance that ended or parked and let go of the lock)
 * touches `signals/<run-id>`; the daemon watches that one directory.
 *
 * Why not a watch on `runs/` itself: measured with chokidar 5 over 10,000 run directories,
 * watching the run dirs cost 288–406 MB RSS and 9–10 s to get ready, and even depth 0 cost
 * ~57 MB and 3 s. One directory of short-lived empty files costs nothing when idle.
 *
 * A signal is written only while a daemon.json exists, and only after the change itself is on
 * disk: a daemon writes daemon.json before its start-up scan, so a change is either seen by the
 * scan or signalled. The daemon process mutes its own signals (it already knows).
 */
import fs from 'node:fs'
import type {WorkspaceLayout} from './paths.js'

let muted = false

/** The daemon calls this: its own changes need no notice. */
export function muteSignals(on = true): void {
  muted = on
}

/** Tell a running daemon to look at run `runId` again. Never throws. */
export function signalRun(layout: WorkspaceLayout, runId: string): void {
  if (muted || !fs.existsSync(layout.daemonJson)) return
  const file = layout.runSignal(runId)
  try {
    fs.writeFileSync(file, '')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return
    try {
      fs.mkdirSync(layout.signalsDir, {recursive: true})
      fs.writeFileSync(file, '')
    } catch {
      // the daemon's periodic sweep and start-up scan still find the change
    }
  }
}

/** Run ids with a pending signal. */
export function pendingSignals(layout: WorkspaceLayout): string[] {
  try {
    return fs.readdirSync(layout.signalsDir).filter((n) => !n.includes('.'))
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
