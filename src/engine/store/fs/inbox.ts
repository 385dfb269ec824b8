/**
 * The wait inbox. A completion (CLI decision, callback POST) is written as one file per wait key,
 * linked into place: exactly one writer wins, whatever process it is in, with no lock on the
 * run. The process advancing the run moves inbox entries into the journal. A daemon that holds
 * the run's lease when a callback comes claims the key instead (an empty entry) and journals the
 * completion itself.
 */
import fs from 'node:fs'
import path from 'node:path'
import {threadId} from 'node:worker_threads'
import type {InboxEntry} from '../types.js'
import {writeFully} from './journal.js'
import type {WorkspaceLayout} from './paths.js'
import {signalRun} from './signals.js'
import {fsyncDirAsync, readdirOrNone} from './snapshot.js'
import {linkMarker} from './blank-links.js'

export type {InboxEntry} from '../types.js'

let tmpSeq = 0

/**
 * A run opened a wait (InboxStore.prepare): its inbox directory, made now rather than on the way
 * to a completion's answer. On this machine's ext4 a create (a mkdir, a new file) cost 0.7–1 ms
 * of system CPU whenever files had been deleted nearby (lock.ts). Not flushed: a post flushes the
 * run directory with its entry.
 */
export function prepareInbox(layout: WorkspaceLayout, runId: string): void {
  fs.mkdirSync(layout.runInbox(runId), {recursive: true})
}

/**
 * Claim wait `key` for a completion that the caller, holding the run's lease, journals at once
 * (InboxStore.claim): the entry's name as a link of a blank (no inode made, nothing flushed; the
 * journal makes the completion durable). An empty entry is a claim: readers skip it, and a post
 * for the key loses to it. False when an entry or claim is there already.
 */
export function claimInbox(layout: WorkspaceLayout, runId: string, key: string): boolean {
  const file = layout.runInboxEntry(runId, key)
  const claim = () => linkMarker(file, layout.runInbox(runId), {blankDir: layout.claimsBlankDir, exclusive: true})
  try {
    return claim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    prepareInbox(layout, runId)
    return claim()
  }
}

/** Remove a claim (an empty entry) for `key`; an entry with a completion in it is left alone. */
export function unclaimInbox(layout: WorkspaceLayout, runId: string, key: string): void {
  if (isClaim(layout, runId, key)) fs.rmSync(layout.runInboxEntry(runId, key), {force: true})
}

/** The entry for `key` is a claim (InboxStore.claim): there, and empty. */
export function isClaim(layout: WorkspaceLayout, runId: string, key: string): boolean {
  try {
    return fs.statSync(layout.runInboxEntry(runId, key)).size === 0
  } catch {
    return false
  }
}

/**
 * Record a completion; false when one was recorded before (the loser of a race). The flushes run
 * off the thread (a daemon answering callbacks goes on serving meanwhile); the entry's data is on
 * disk before its link is made, and the link before this resolves.
 */
export async function postToInbox(layout: WorkspaceLayout, runId: string, entry: InboxEntry): Promise<boolean> {
  const file = layout.runInboxEntry(runId, entry.key)
  // Its own temp file per call: posts in one process (any of its threads) interleave while they flush.
  const tmp = `${file}.tmp-${process.pid}-${threadId}-${++tmpSeq}`
  fs.mkdirSync(layout.runInbox(runId), {recursive: true})
  const fd = fs.openSync(tmp, 'w')
  // Write fully to a private temp file, then link it into place: link() fails with EEXIST if
  // another completion won, and readers never see a half-written entry.
  try {
    writeFully(fd, Buffer.from(JSON.stringify(entry)))
    // The run directory's entry for inbox/ too: prepareInbox made it without a flush.
    await Promise.all([fsyncDirAsync(layout.runDir(runId)), new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())))])
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
  const dir = layout.runInbox(runId)
  // Read at every advance; most runs never get one (it is made when a wait opens or a callback
  // comes early), and a thrown ENOENT cost ~20 µs of a worker's thread per advance under load.
  if (!fs.existsSync(dir)) return []
  const out: InboxEntry[] = []
  for (const name of readdirOrNone(dir)) {
    if (!name.endsWith('.json')) continue
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as InboxEntry)
    } catch {
      // unreadable entry: skip; it was written by link() so it is complete unless tampered with
    }
  }
  return out
}

export function inboxHas(layout: WorkspaceLayout, runId: string, key: string): boolean {
  return fs.existsSync(layout.runInboxEntry(runId, key))
}
