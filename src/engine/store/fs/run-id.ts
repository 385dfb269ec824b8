/** Run ids are ULIDs: they sort by creation time, so newest-first listing is a directory sort. */
import crypto from 'node:crypto'
import {monotonicFactory} from 'ulid'

/**
 * ulid's own generator asks webcrypto for one random value per character (16 per id, each a
 * call into OpenSSL); one refill of a pool serves 256 ids' worth.
 */
const pool = Buffer.alloc(4096)
let used = pool.length
function pooledRandom(): number {
  if (used === pool.length) {
    crypto.randomFillSync(pool)
    used = 0
  }
  return pool[used++]! / 256
}

const next = monotonicFactory(pooledRandom)

export function newRunId(now: number = Date.now()): string {
  return next(now)
}
