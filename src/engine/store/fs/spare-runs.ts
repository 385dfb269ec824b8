/**
 * Run directories made ahead, `runs/.spare/<n>/` with an empty events.jsonl and run.json.spare,
 * for the one process that creates runs while it serves requests (the daemon): a new run is then
 * a rename of one of them, and its first snapshot a write into run.json.spare and a rename
 * (snapshot.ts), where it was a mkdir, a create and a create. Why: making an inode cost 0.7–1 ms
 * of system CPU on this machine's ext4 (no journal) while other processes deleted files
 * (lock.ts says why), and a webhook's run waited for the mkdir and the journal's create in a row:
 * 1.8 ms of its 2.8 ms creation, measured (workload B, issue 18). Made on libuv's pool after a
 * run took one, so the cost moves out of the request; under a sustained load it is paid all the
 * same, and when none is ready a run is made as before.
 *
 * A spare is complete before it is offered: its files exist and its directory is flushed, so a
 * run renamed from it needs only `runs/` flushed for its own entry. Spares a daemon left behind
 * (killed, or stopped with some unused) are taken up by the next daemon of the workspace.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import type {WorkspaceLayout} from './paths.js'
import {fsyncDirAsync, readdirOrNone} from './snapshot.js'

/** Kept ready: a burst of webhooks larger than this makes the rest as before. */
const TARGET = 16
/** Refilled once fewer than this are left. */
const LOW = 12

export class SpareRunDirs {
  private readonly ready: string[] = []
  private filling = false
  private failed = false
  private seq = 0

  constructor(private readonly layout: WorkspaceLayout) {}

  /** Take up the spares left in the workspace, and make the rest. */
  start(): void {
    for (const name of readdirOrNone(this.layout.spareRunsDir)) {
      const dir = path.join(this.layout.spareRunsDir, name)
      if (name.endsWith('.tmp') || !isEmptySpare(dir)) fs.rmSync(dir, {recursive: true, force: true})
      else this.ready.push(dir)
    }
    this.fill()
  }

  /** A prepared directory to rename into place, or undefined when none is ready. */
  take(): string | undefined {
    const dir = this.ready.pop()
    this.fill()
    return dir
  }

  private fill(): void {
    if (this.filling || this.failed || this.ready.length >= LOW) return
    this.filling = true
    this.fillUp().then(
      () => (this.filling = false),
      // A full or read-only disk: runs are made as before; the next daemon tries again.
      () => ((this.filling = false), (this.failed = true)),
    )
  }

  private async fillUp(): Promise<void> {
    while (this.ready.length < TARGET) {
      // Made under a .tmp name and renamed when complete: a half-made spare is never taken up.
      const name = `${process.pid}-${Date.now().toString(36)}-${++this.seq}`
      const tmp = path.join(this.layout.spareRunsDir, `${name}.tmp`)
      await fsp.mkdir(tmp, {recursive: true})
      await Promise.all([touchNew(path.join(tmp, 'events.jsonl')), touchNew(path.join(tmp, 'run.json.spare'))])
      await fsyncDirAsync(tmp)
      const dir = path.join(this.layout.spareRunsDir, name)
      await fsp.rename(tmp, dir)
      this.ready.push(dir)
    }
  }
}

async function touchNew(file: string): Promise<void> {
  await (await fsp.open(file, 'wx')).close()
}

/** A spare as made: an empty journal, and nothing but the snapshot's spare beside it. */
function isEmptySpare(dir: string): boolean {
  try {
    const names = fs.readdirSync(dir)
    return names.every((n) => n === 'events.jsonl' || n === 'run.json.spare') && fs.statSync(path.join(dir, 'events.jsonl')).size === 0
  } catch {
    return false
  }
}
