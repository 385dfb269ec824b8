/**
 * `runs watch` and `runs logs --follow`: follow a run's journal until it ends. Without a daemon
 * nothing else would fire a due sleep or wait timeout or admit a queued run, so this process
 * drives the run as `--wait` does while it follows; a stale run (its process is gone) ends the
 * watch at once with the command that moves it. Whatever blocks is said on stderr, once.
 * With a daemon, the daemon's long poll (`GET /runs/RUN?wait=…&after=SEQ`) says when the run
 * parks or ends, and the change feed shows each event between; the poll of the journal
 * slows to a safety net (for a daemon that goes away mid-watch).
 */
import {
  awaitRunChange,
  BreytaError,
  driveRun,
  followRun,
  probeDaemon,
  runView,
  TERMINAL_STATUSES,
  type DaemonInfo,
  type JournalEvent,
  type OutputItem,
  type RunView,
  type Workspace,
} from '../engine/index.js'
import {nextCommands, withHealth} from './next-commands.js'

/** `output`: also follow the steps' live output (`runs logs --follow`), optionally of one step. */
export async function watchRun(
  ws: Workspace,
  runId: string,
  onEvent: (e: JournalEvent) => void,
  output: {onOutput?: (o: OutputItem) => void; step?: string} = {},
): Promise<RunView> {
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    const current = await withHealth(ws, await runView(ws, runId))
    // Asked on its socket, not by pid: a dead (or zombie) daemon would leave the run unmoved.
    const daemon = await probeDaemon(ws)
    if (current.stale) {
      throw new BreytaError('run_not_active', `run ${runId} is stale: it is marked running, but the process that ran it is gone, so nothing moves it`, {
        hint: `Resume it with \`breyta runs resume ${runId}\`${daemon ? '' : ' (or start a daemon: `breyta daemon start --detach`)'}.`,
        details: {run: current, 'next-commands': nextCommands(current)},
      })
    }
    let driving: Promise<unknown> | undefined
    let failure: unknown
    // The follow below ends once the journal says the run ended; the long poll only makes sure
    // it looks at once when the daemon says so (aborting `controller` makes it drain, then end).
    if (daemon && !TERMINAL_STATUSES.includes(current.status))
      driving = untilDaemonSaysEnded(ws, daemon, runId, current.seq, controller.signal).then((ended) => ended && controller.abort())
    if (!daemon && !TERMINAL_STATUSES.includes(current.status)) {
      const why = blockingReason(current)
      if (why) process.stderr.write(`${why}\n`)
      driving = driveRun(ws, runId, {wait: true, waitForAdmission: true, signal: controller.signal, env: process.env}).catch((err: unknown) => {
        failure = err
        controller.abort()
      })
    }
    const view = await followRun(ws, runId, onEvent, {signal: controller.signal, ...(daemon ? {pollMs: DAEMON_SAFETY_POLL_MS} : {}), ...output})
    controller.abort()
    await driving
    if (failure !== undefined) throw failure
    return view
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/** With a daemon, the journal is re-read on each change notice and at least this often. */
const DAEMON_SAFETY_POLL_MS = 2000
/** One long poll; below the daemon's cap (25 s), so it answers on its own well before then. */
const LONG_POLL_MS = 20_000

/**
 * Long poll the daemon until it answers the run ended (true), or it is gone or `signal` aborted
 * (false). Each answer of a parked run is asked on past its seq, as `flows run --wait` does.
 */
async function untilDaemonSaysEnded(ws: Workspace, daemon: DaemonInfo, runId: string, seq: number, signal: AbortSignal): Promise<boolean> {
  for (let after = seq; !signal.aborted;) {
    if (!(await awaitRunChange(ws, daemon, runId, after, LONG_POLL_MS, signal))) return false
    const view = await runView(ws, runId)
    if (TERMINAL_STATUSES.includes(view.status)) return true
    after = view.seq
  }
  return false
}

/** Why the run may not move for a while, and what moves it (no daemon runs). */
function blockingReason(view: Awaited<ReturnType<typeof withHealth>>): string | undefined {
  const moves = nextCommands(view).filter((c) => !c.startsWith('breyta runs watch'))
  const then = moves.length > 0 ? ` Moves it: ${moves.join('  |  ')}` : ''
  if (view.status === 'sleeping') return `run ${view.id} sleeps until ${view['wake-at']}; no daemon runs, so this watch wakes it then.`
  if (view.status === 'queued')
    return `run ${view.id} is queued behind ${view['blocked-by']?.join(', ') || 'an active run'}; no daemon runs, so this watch starts it when a slot frees.${then}`
  if (view.status === 'waiting') {
    const open = view.waits.filter((w) => w.status === 'open')
    const timeouts = open
      .map((w) => w['timeout-at'])
      .filter((t): t is string => t !== null)
      .sort()
    return `run ${view.id} is waiting on ${open.map((w) => `"${w.key}"`).join(', ')}${timeouts.length > 0 ? ` (times out ${timeouts[0]}; this watch fires it then)` : ' (no timeout)'}.${then}`
  }
  return undefined
}
