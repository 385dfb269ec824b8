/**
 * Small workspace files read on every run (connections.edn, secrets.edn) parsed once and kept
 * until they change: a stat instead of an open, read and parse per run (issue 18: every run
 * re-read them, two async opens costing ~2.5 ms a run on a loaded disk). Changed means a
 * different inode (atomic rewrites rename a new file in), size, mtime or ctime.
 */
import fs from 'node:fs'

interface Entry {
  stamp: string
  value: unknown
}

const cache = new Map<string, Entry>()

function stampOf(file: string): string | undefined {
  // Without a throw for a missing file (secrets.edn often is): an Error costs ~4 µs, four reads
  // a run (issue 18's profile of workload C).
  const s = fs.statSync(file, {bigint: true, throwIfNoEntry: false})
  return s && `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
}

/** `parse(text)` of `file`, or `missing` when there is no such file; cached while the file stays the same. */
export function readParsed<T>(file: string, parse: (text: string) => T, missing: T): T {
  const stamp = stampOf(file)
  if (stamp === undefined) {
    cache.delete(file)
    return missing
  }
  const hit = cache.get(file)
  if (hit?.stamp === stamp) return hit.value as T
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return missing
    throw err
  }
  const value = parse(text)
  // Stamped before the read: a change during the read only costs one more read next time.
  cache.set(file, {stamp, value})
  return value
}
