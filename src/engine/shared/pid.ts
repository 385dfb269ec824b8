/** Is a process alive on this host: for locks, daemon.json and the daemon's control. */
import fs from 'node:fs'

/**
 * Is a process with this pid running (on this host)? EPERM means it exists but is not ours.
 * kill(pid, 0) alone also says yes for a zombie (killed, not yet reaped: forever where PID 1
 * does not reap, as in Docker without --init), so on Linux the state in /proc decides that.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return !isZombie(pid)
}

/** The fields of /proc/PID/stat the engine reads: state, process group, start time (clock ticks since boot). */
export interface ProcStat {
  state: string
  pgrp: number
  start: string
}

/** /proc/PID/stat, or undefined when the process is gone or there is no /proc (macOS). */
export function readProcStat(pid: number | string): ProcStat | undefined {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so split after the last ')'.
  // f[0] is field 3 (state), f[2] field 5 (pgrp), f[19] field 22 (starttime).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {state: f[0] ?? '', pgrp: Number(f[2]), start: f[19] ?? ''}
}

function isZombie(pid: number): boolean {
  const stat = readProcStat(pid)
  // No /proc (macOS): kill(pid, 0) is all there is. Gone between the two checks: dead.
  if (stat === undefined) return fs.existsSync('/proc/self/stat')
  return stat.state === 'Z' || stat.state === 'X'
}
