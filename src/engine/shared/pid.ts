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

function isZombie(pid: number): boolean {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    // No /proc (macOS): kill(pid, 0) is all there is. Gone between the two checks: dead.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X'
}
