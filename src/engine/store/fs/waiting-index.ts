/**
 * `runs/.waiting/<run-id>`: one empty file per run whose snapshot says `waiting`, kept by every
 * snapshot write. Finding the runs that wait on a person is then a directory listing: reading
 * every run.json for it cost the TUI ~120 MB and seconds of start-up with 10,000 runs on disk
 * (bench/tui-rss.mjs). A marker may outlive its run's waiting state for a moment (a crash
 * between the snapshot and the marker), so readers check the snapshot of each listed run.
 */
import fs from 'node:fs'
import path from 'node:path'
import {linkMarker} from './blank-links.js'
import {removeIfThere} from './snapshot.js'
import {isRunId, type WorkspaceLayout} from './paths.js'

/** Written once the index covers every run (workspaces from before the index are backfilled). */
const COMPLETE = '.complete'

export function noteWaiting(layout: WorkspaceLayout, runId: string, waiting: boolean): void {
  const marker = layout.waitingMarker(runId)
  if (!waiting) return removeIfThere(marker)
  // A name of the index's blank: parking and resuming make and free no inode (blank-links.ts).
  linkMarker(marker, layout.waitingIndexDir)
}

/**
 * Ids of runs that may be waiting, newest first. When the index was never completed (a
 * workspace from before it), `backfill(allRunIds)` returns the waiting ones, once.
 */
export async function waitingRunIds(layout: WorkspaceLayout, backfill: (runIds: string[]) => Promise<string[]>): Promise<string[]> {
  if (!fs.existsSync(path.join(layout.waitingIndexDir, COMPLETE))) {
    let all: string[] = []
    try {
      all = fs.readdirSync(layout.runsDir).filter(isRunId)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    for (const id of await backfill(all)) noteWaiting(layout, id, true)
    fs.mkdirSync(layout.waitingIndexDir, {recursive: true})
    fs.writeFileSync(path.join(layout.waitingIndexDir, COMPLETE), '')
  }
  return fs.readdirSync(layout.waitingIndexDir).filter(isRunId).sort().reverse()
}
