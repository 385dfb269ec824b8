/**
 * Schedule watermarks as files: `schedules/<slug>.json` (trigger → last tick fired), read and
 * moved forward under `schedules/<slug>.lock`, so of the processes claiming one tick exactly one
 * moves the mark and fires it.
 */
import fs from 'node:fs'
import type {ScheduleMarkStore} from '../types.js'
import {lock} from './lock.js'
import type {WorkspaceLayout} from './paths.js'
import {readJsonFile, writeSnapshot} from './snapshot.js'

export function scheduleMarkStore(layout: WorkspaceLayout): ScheduleMarkStore {
  const read = (slug: string) => readJsonFile<Record<string, string>>(layout.scheduleWatermark(slug)) ?? {}
  const withLock = async <T>(slug: string, fn: () => T): Promise<T> => {
    fs.mkdirSync(layout.schedulesDir, {recursive: true})
    const l = await lock(layout.scheduleLock(slug), {timeoutMs: 5000, purpose: 'schedule'})
    if (!l) throw new Error(`schedule lock of "${slug}" is busy`)
    try {
      return fn()
    } finally {
      l.release()
    }
  }
  return {
    read: async (slug) => read(slug),
    init: (slug, marks) =>
      withLock(slug, () => {
        const m = read(slug)
        for (const [k, v] of Object.entries(marks)) m[k] ??= v
        writeSnapshot(layout.scheduleWatermark(slug), m)
      }),
    claim: (slug, trigger, tick) =>
      withLock(slug, () => {
        const m = read(slug)
        if (m[trigger] !== undefined && m[trigger]! >= tick) return false
        m[trigger] = tick
        writeSnapshot(layout.scheduleWatermark(slug), m)
        return true
      }),
  }
}
