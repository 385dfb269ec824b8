/** Atomic whole-file writes: temp file, fsync, rename (write-file-atomic). */
import fs from 'node:fs'
import writeFileAtomic from 'write-file-atomic'

export function writeSnapshot(file: string, data: unknown): void {
  writeFileAtomic.sync(file, JSON.stringify(data, null, 2) + '\n', {fsync: true})
}

export function writeTextAtomic(file: string, text: string, mode?: number): void {
  writeFileAtomic.sync(file, text, mode === undefined ? {fsync: true} : {fsync: true, mode})
}

export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || err instanceof SyntaxError) return undefined
    throw err
  }
}
