/**
 * Process groups of `:exec` children across crashes. A child runs in its own group (its pid is
 * the group id); its start time (field 22 of /proc/PID/stat, clock ticks since boot) tells the
 * recorded process apart from a later one that reused the pid, which is never touched.
 */
import {readdirSync} from 'node:fs'
import {readProcStat} from '../shared/pid.js'

export interface RecordedProcess {
  pid: number
  pgid: number
  /** /proc start time of the group leader; null where /proc is unavailable. */
  'process-start': string | null
}

const readStat = readProcStat

/** The start time of a running process (not a zombie), or undefined when it is gone or /proc is unavailable. */
export function processStartTime(pid: number): string | undefined {
  const s = readStat(pid)
  return s === undefined || s.state === 'Z' ? undefined : s.start
}

/**
 * Members of the group that still run. Zombies do not count: where PID 1 does not reap orphans
 * (some containers) an exited child stays a zombie for good, and it does nothing.
 */
function liveMembers(pgid: number): boolean {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return false
  }
  return names.some((n) => {
    if (!/^\d+$/.test(n)) return false
    const s = readStat(n)
    return s !== undefined && s.pgrp === pgid && s.state !== 'Z'
  })
}

/**
 * Whether the recorded group still runs. The leader running with the recorded start time: yes.
 * Any process with that pid and another start time: the pid was reused, no. The leader exited
 * but members left (a program's own children): the group id is not handed out again while the
 * group exists, so yes. Without a recorded start time nothing is claimed alive.
 */
export function groupAlive(p: RecordedProcess): boolean {
  if (p['process-start'] === null) return false
  const leader = readStat(p.pgid)
  if (leader !== undefined && leader.start !== p['process-start']) return false
  if (leader !== undefined && leader.state !== 'Z') return true
  return liveMembers(p.pgid)
}

/** How long a group gets between TERM and KILL: a step's timeout or cancel, and a stale copy. */
export const KILL_GRACE_MS = 2000

/** Signal a whole process group (the step's program and its children); gone already is fine. */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return
  try {
    process.kill(-pgid, signal)
  } catch {
    // already gone
  }
}

/** Wait until the group is gone, polling; true when it went within `ms`. */
async function gone(p: RecordedProcess, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (!groupAlive(p)) return true
    if (Date.now() >= until) return false
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Stop a recorded group that is still alive: TERM, then KILL after `graceMs`. Null when it was not alive. */
export async function stopGroup(p: RecordedProcess, graceMs: number): Promise<'SIGTERM' | 'SIGKILL' | null> {
  if (!groupAlive(p)) return null
  killGroup(p.pgid, 'SIGTERM')
  if (await gone(p, graceMs)) return 'SIGTERM'
  killGroup(p.pgid, 'SIGKILL')
  await gone(p, graceMs)
  return 'SIGKILL'
}
