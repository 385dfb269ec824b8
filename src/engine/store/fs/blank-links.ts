/**
 * Empty marker files (change notices, daemon signals, the waiting index) as names of one blank
 * file per directory, `.blank`: making a marker is a link(2), removing one an unlink of a name,
 * and neither makes or frees an inode. Why: on this machine's ext4 (no journal) a create cost
 * ~0.7 ms of system CPU once files had been deleted nearby (find_inode_bit skips recently freed
 * inodes), a link a few µs (see lock.ts); every run made a notice, every park a waiting marker.
 */
import fs from 'node:fs'
import path from 'node:path'

export function blankOf(dir: string): string {
  return path.join(dir, '.blank')
}

/** Errors that mean "no hard link here": a file of its own instead. */
const NO_LINKS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP'])

/** Make `file` (in `dir`) exist as a name of the directory's blank. Throws what mkdir or a create would. */
export function linkMarker(file: string, dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.linkSync(blankOf(dir), file)
      return
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code === 'EEXIST') return
      if (NO_LINKS.has(code) || attempt >= 2) return void fs.writeFileSync(file, '')
      // No directory or blank yet; or the blank has all the links one inode may have (ext4:
      // 65,000, one per run's notice): a fresh blank, the old names keep the old one.
      if (code === 'ENOENT' || code === 'EMLINK') freshBlank(dir, code === 'EMLINK')
      else throw err
    }
  }
}

function freshBlank(dir: string, replace: boolean): void {
  fs.mkdirSync(dir, {recursive: true})
  if (!replace) return void fs.writeFileSync(blankOf(dir), '', {flag: 'a'})
  // Renamed over the old one: a racing process links to either blank, both empty.
  const tmp = `${blankOf(dir)}.${process.pid}.${Date.now()}.tmp`
  fs.writeFileSync(tmp, '')
  fs.renameSync(tmp, blankOf(dir))
}
