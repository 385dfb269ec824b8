/**
 * Run directories: the journal and the run.json snapshot; the flow definition a run is pinned
 * to lives once per sha256 under `pinned/` (runs made before that have their own `flow.edn`,
 * still read first).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {BreytaError} from '../../errors.js'
import {projectRun, type RunView} from '../../journal/projection.js'
import type {JournalEvent, UnsequencedEvent} from '../../journal/events.js'
import {createJournal, readFirstEvent, readJournal} from './journal.js'
import {isRunId, type WorkspaceLayout} from './paths.js'
import {fsyncDir, fsyncDirAsync, fsyncDirGrouped, readJsonFile, readTextIfThere, writeDerivedSnapshot, writeTextAtomic} from './snapshot.js'
import type {SpareRunDirs} from './spare-runs.js'
import {noteWaiting} from './waiting-index.js'

export function runExists(layout: WorkspaceLayout, runId: string): boolean {
  return isRunId(runId) && fs.existsSync(layout.runJournal(runId))
}

export function assertRunExists(layout: WorkspaceLayout, runId: string): void {
  if (!runExists(layout, runId)) {
    throw new BreytaError('run_not_found', `no run "${runId}"`, {hint: 'List runs with `breyta runs list`.'})
  }
}

/**
 * Create the run directory with its first event, its definition stored (once per sha256)
 * before it. Three flushes: the runs directory, the journal, the run directory (for the
 * journal's entry); run.json is derived from the journal and not flushed (issue 18: a run used
 * to cost two more fsyncs here for its own flow.edn and one for run.json). The three flushes
 * run on libuv's pool at once, the one of `runs/` shared by the runs created meanwhile (a
 * daemon creating runs for 50 webhook clients spent half its thread in these flushes, one
 * after another); the directory, the file and its first line are made in this thread (see
 * createJournal). The run exists for the caller only once all three flushes are done.
 *
 * No run.json yet: its first advance writes it, and until then readRunSnapshot answers from the
 * journal. A snapshot here cost a new inode per run (with its rename, ~0.8 ms of system CPU on
 * this machine's ext4, see lock.ts) for a file that the first advance replaced at once.
 */
export async function createRunFiles(
  layout: WorkspaceLayout,
  runId: string,
  flowText: string,
  created: UnsequencedEvent,
  spares?: SpareRunDirs,
): Promise<RunView> {
  const sha256 = crypto.createHash('sha256').update(flowText).digest('hex')
  if (created.type === 'run_created' && created.sha256 !== sha256)
    throw new Error(`run_created names sha256 ${created.sha256}, the flow text hashes to ${sha256}`)
  storeDefinition(layout, sha256, flowText)
  // A spare's directory was flushed with its files in it: only `runs/` is left to flush.
  const fromSpare = renameSpare(spares, layout.runDir(runId))
  if (!fromSpare) fs.mkdirSync(layout.runDir(runId), {recursive: true})
  const [events] = await Promise.all([
    createJournal(layout.runJournal(runId), [created], fromSpare ? async () => {} : () => fsyncDirAsync(layout.runDir(runId))),
    fsyncDirGrouped(layout.runsDir),
  ])
  return projectRun(events)!
}

/** Rename a spare run directory (spare-runs.ts) to `runDir`; false when none was ready or it failed. */
function renameSpare(spares: SpareRunDirs | undefined, runDir: string): boolean {
  const spare = spares?.take()
  if (spare === undefined) return false
  try {
    fs.renameSync(spare, runDir)
    return true
  } catch {
    // Left in .spare/ for the next daemon to take up or clear; this run is made as before.
    return false
  }
}

/** Definitions known to be on disk, per workspace directory (they are never removed). */
const storedDefinitions = new Set<string>()

function storeDefinition(layout: WorkspaceLayout, sha256: string, text: string): void {
  const file = layout.pinnedFlow(sha256)
  if (storedDefinitions.has(file)) return
  if (!fs.existsSync(file)) {
    if (!fs.existsSync(layout.pinnedDir)) {
      fs.mkdirSync(layout.pinnedDir, {recursive: true})
      fsyncDir(path.dirname(layout.pinnedDir))
    }
    writeTextAtomic(file, text)
  }
  storedDefinitions.add(file)
}

/** Definition texts by sha256, as read (they never change): every advance of a run needs its text. */
const definitionTexts = new Map<string, string>()
const MAX_DEFINITION_TEXTS = 64

function readDefinition(layout: WorkspaceLayout, sha256: string): string | undefined {
  const known = definitionTexts.get(sha256)
  if (known !== undefined) return known
  let text: string
  try {
    text = fs.readFileSync(layout.pinnedFlow(sha256), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  definitionTexts.set(sha256, text)
  if (definitionTexts.size > MAX_DEFINITION_TEXTS) definitionTexts.delete(definitionTexts.keys().next().value as string)
  return text
}

/**
 * The exact flow text a run executes (later edits of the flow never reach it): the run's own
 * flow.edn if it has one (runs made before pinned/), else its definition by sha256. `sha256`,
 * the run_created event's, when the caller has it: no read of the journal, and none of the
 * definition after the first.
 */
export function readPinnedFlow(layout: WorkspaceLayout, runId: string, sha256?: string): string {
  const own = readTextIfThere(layout.runOwnFlow(runId))
  if (own !== undefined) return own
  const pinned = sha256 === undefined ? undefined : readDefinition(layout, sha256)
  if (pinned !== undefined) return pinned
  const created = readFirstEvent(layout.runJournal(runId))
  if (created?.type !== 'run_created')
    throw new BreytaError('run_not_found', `run "${runId}" has no journal`, {
      hint: 'The run directory is incomplete; it may have been created by a process that died at once.',
    })
  return fs.readFileSync(layout.pinnedFlow(created.sha256), 'utf8')
}

export function readRunEvents(layout: WorkspaceLayout, runId: string): JournalEvent[] {
  assertRunExists(layout, runId)
  return readJournal(layout.runJournal(runId)).events
}

/** The exact view, recomputed from the journal. */
export function readRunView(layout: WorkspaceLayout, runId: string): RunView {
  const view = projectRun(readRunEvents(layout, runId))
  if (!view)
    throw new BreytaError('run_not_found', `run "${runId}" has no journal`, {
      hint: 'The run directory is incomplete; it may have been created by a process that died at once.',
    })
  return view
}

/**
 * The last written snapshot (cheap; may lag the journal by a moment while a run executes), or
 * for a run not yet advanced (it has none, see createRunFiles) the view of its journal.
 */
export function readRunSnapshot(layout: WorkspaceLayout, runId: string): RunView | undefined {
  const snapshot = readJsonFile<RunView>(layout.runSnapshot(runId))
  if (snapshot !== undefined || !runExists(layout, runId)) return snapshot
  try {
    return projectRun(readJournal(layout.runJournal(runId)).events)
  } catch {
    // A journal that cannot be read says nothing here; `runs show` reports why.
    return undefined
  }
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
