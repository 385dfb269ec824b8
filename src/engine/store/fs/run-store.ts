/** Run directories: the journal, the run.json snapshot, and the flow definition the run is pinned to. */
import fs from 'node:fs'
import path from 'node:path'
import {BreytaError} from '../../errors.js'
import {projectRun, type RunView} from '../../runtime/projection.js'
import type {JournalEvent, UnsequencedEvent} from '../types.js'
import {appendEvents, readJournal} from './journal.js'
import {isRunId, type WorkspaceLayout} from './paths.js'
import {fsyncDir, readJsonFile, writeDerivedSnapshot, writeSnapshot, writeTextAtomic} from './snapshot.js'
import {noteWaiting} from './waiting-index.js'

/** The exact flow text a run executes, copied at creation so later edits never reach it. */
export function pinnedFlowFile(layout: WorkspaceLayout, runId: string): string {
  return path.join(layout.runDir(runId), 'flow.edn')
}

export function runExists(layout: WorkspaceLayout, runId: string): boolean {
  return isRunId(runId) && fs.existsSync(layout.runJournal(runId))
}

export function assertRunExists(layout: WorkspaceLayout, runId: string): void {
  if (!runExists(layout, runId)) {
    throw new BreytaError('run_not_found', `no run "${runId}"`, {hint: 'List runs with `breyta runs list`.'})
  }
}

/** Create the run directory with its pinned definition and first event. */
export function createRunFiles(layout: WorkspaceLayout, runId: string, flowText: string, created: UnsequencedEvent): RunView {
  fs.mkdirSync(layout.runDir(runId), {recursive: true})
  fsyncDir(layout.runsDir)
  writeTextAtomic(pinnedFlowFile(layout, runId), flowText)
  const events = appendEvents(layout.runJournal(runId), 0, created)
  const view = projectRun(events)!
  // Also makes events.jsonl's directory entry durable (writeSnapshot syncs the run directory).
  writeSnapshot(layout.runSnapshot(runId), view)
  return view
}

export function readPinnedFlow(layout: WorkspaceLayout, runId: string): string {
  return fs.readFileSync(pinnedFlowFile(layout, runId), 'utf8')
}

export function readRunEvents(layout: WorkspaceLayout, runId: string): JournalEvent[] {
  assertRunExists(layout, runId)
  return readJournal(layout.runJournal(runId)).events
}

/** The exact view, recomputed from the journal. */
export function readRunView(layout: WorkspaceLayout, runId: string): RunView {
  const view = projectRun(readRunEvents(layout, runId))
  if (!view) throw new BreytaError('run_not_found', `run "${runId}" has no journal`, {hint: 'The run directory is incomplete; it may have been created by a process that died at once.'})
  return view
}

/** The last written snapshot (cheap; may lag the journal by a moment while a run executes). */
export function readRunSnapshot(layout: WorkspaceLayout, runId: string): RunView | undefined {
  return readJsonFile<RunView>(layout.runSnapshot(runId))
}

export function writeRunSnapshot(layout: WorkspaceLayout, view: RunView): void {
  // run.json is derived from the journal: atomic, no fsync (see writeDerivedSnapshot).
  writeDerivedSnapshot(layout.runSnapshot(view.id), view)
  noteWaiting(layout, view.id, view.status === 'waiting')
}

/** Run ids, newest first, strictly older than `before` when given. A directory listing, no file reads. */
export function listRunIds(layout: WorkspaceLayout, options: {before?: string} = {}): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(layout.runsDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const ids = names.filter(isRunId)
  ids.sort()
  ids.reverse()
  if (options.before === undefined) return ids
  const before = options.before
  return ids.filter((id) => id < before)
}
