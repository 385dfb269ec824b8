/** Run ids are ULIDs: they sort by creation time, so newest-first listing is a directory sort. */
import {monotonicFactory} from 'ulid'

const next = monotonicFactory()

export function newRunId(now: number = Date.now()): string {
  return next(now)
}
