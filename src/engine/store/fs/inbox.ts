/**
 * The wait inbox. A completion (CLI decision, callback POST) is written as one file per wait key,
 * created with O_EXCL: exactly one writer wins, whatever process it is in, with no lock on the
 * run. The process advancing the run moves inbox entries into the journal.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {InboxEntry} from '../types.js'
import {writeFully} from './journal.js'
import type {WorkspaceLayout} from './paths.js'
import {signalRun} from './signals.js'
import {fsyncDirAsync} from './snapshot.js'

export type {InboxEntry} from '../types.js'

let tmpSeq = 0

/**
 * Record a completion; false when one was recorded before (the loser of a race). The flushes run
 * off the thread (a daemon answering callbacks goes on serving meanwhile); the entry's data is on
 * disk before its link is made, and the link before this resolves.
 */
export async function postToInbox(layout: WorkspaceLayout, runId: string, entry: InboxEntry): Promise<boolean> {
  let dirSynced: Promise<void> = Promise.resolve()
  if (!fs.existsSync(layout.runInbox(runId))) {
    fs.mkdirSync(layout.runInbox(runId), {recursive: true})
    dirSynced = fsyncDirAsync(layout.runDir(runId))
  }
  const file = layout.runInboxEntry(runId, entry.key)
  // Its own temp file per call: posts in one process now interleave while they flush.
  const tmp = `${file}.tmp-${process.pid}-${++tmpSeq}`
  const fd = fs.openSync(tmp, 'w')
  // Write fully to a private temp file, then link it into place: link() fails with EEXIST if
  // another completion won, and readers never see a half-written entry.
  try {
    writeFully(fd, Buffer.from(JSON.stringify(entry)))
    await Promise.all([dirSynced, new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())))])
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    throw err
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.linkSync(tmp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    fs.rmSync(tmp, {force: true})
  }
  // The answer (exit 0, HTTP 202) promises the completion survives a power loss.
  await fsyncDirAsync(layout.runInbox(runId))
  signalRun(layout, runId)
  return true
}

export function readInbox(layout: WorkspaceLayout, runId: string): InboxEntry[] {
  let names: string[]
  try {
    names = fs.readdirSync(layout.runInbox(runId))
  } catch {
    return []
  }
  const out: InboxEntry[] = []
  for (const name of names) {
    if (!name.endsWith('.json')) continue
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(layout.runInbox(runId), name), 'utf8')) as InboxEntry)
    } catch {
      // unreadable entry: skip; it was written by link() so it is complete unless tampered with
    }
  }
  return out
}

export function inboxHas(layout: WorkspaceLayout, runId: string, key: string): boolean {
  return fs.existsSync(layout.runInboxEntry(runId, key))
}
