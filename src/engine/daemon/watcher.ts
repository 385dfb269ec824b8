/**
 * What the daemon watches:
 * - `signals/` (store/fs/signals.ts): one empty file per run that another process changed (a
 *   new run, an inbox entry, an advance that let go of the lock). A plain fs.watch on that one
 *   directory (one inotify watch, events within a millisecond or two), plus a sweep every
 *   second in case the kernel dropped an event under load.
 * - `releases/` with chokidar 5 (a handful of small directories): a promote or release changes
 *   `release.edn`, and the flow's schedules are reloaded.
 */
import fs from 'node:fs'
import path from 'node:path'
import {watch, type FSWatcher} from 'chokidar'
import {clearSignal, pendingSignals} from '../store/fs/signals.js'
import {isRunId} from '../store/fs/paths.js'
import type {Workspace} from '../workspace/workspace.js'

const SWEEP_MS = 1000

export interface Watchers {
  close(): Promise<void>
}

export function watchSignals(ws: Workspace, onRun: (runId: string) => void): Watchers {
  const dir = ws.layout.signalsDir
  fs.mkdirSync(dir, {recursive: true})
  const take = (id: string) => {
    if (!isRunId(id)) return
    clearSignal(ws.layout, id)
    onRun(id)
  }
  const sweep = () => {
    for (const id of pendingSignals(ws.layout)) take(id)
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

export function watchReleases(ws: Workspace, onFlow: (slug: string) => void): Watchers {
  const dir = ws.layout.releasesDir
  fs.mkdirSync(dir, {recursive: true})
  const w: FSWatcher = watch(dir, {
    ignoreInitial: true,
    depth: 1,
    ignored: (p, stats) => Boolean(stats?.isFile()) && !p.endsWith('release.edn'),
  })
  const changed = (p: string) => {
    const rel = path.relative(dir, p).split(path.sep)
    if (rel[0] && rel[0] !== '..') onFlow(rel[0])
  }
  w.on('add', changed).on('change', changed).on('unlink', changed).on('unlinkDir', changed)
  return {close: () => w.close()}
}
