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

/**
 * Make `file` exist as a name of the blank in `blankDir` (by default the file's own directory,
 * `dir`, made when missing; another directory must exist). Throws what mkdir or a create would. `exclusive`: false
 * when `file` exists already (a claim that another made first); otherwise an existing name is
 * taken as made.
 */
export function linkMarker(file: string, dir: string, options: {blankDir?: string; exclusive?: boolean} = {}): boolean {
  const blankDir = options.blankDir ?? dir
  for (let attempt = 0; ; attempt++) {
    try {
      fs.linkSync(blankOf(blankDir), file)
      return true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code === 'EEXIST') return !options.exclusive
      if (NO_LINKS.has(code) || attempt >= 2) return ownFile(file, options.exclusive === true)
      // No directory or blank yet; or the blank has all the links one inode may have (ext4:
      // 65,000, one per run's notice): a fresh blank, the old names keep the old one.
      if (code === 'ENOENT' || code === 'EMLINK') freshBlank(blankDir, code === 'EMLINK')
      else throw err
    }
  }
}

/** An empty file of its own where links cannot be made. */
function ownFile(file: string, exclusive: boolean): boolean {
  try {
    fs.writeFileSync(file, '', {flag: exclusive ? 'wx' : 'w'})
    return true
  } catch (err) {
    if (exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
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
