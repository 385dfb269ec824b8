/**
 * `runs watch` and `runs logs --follow`: follow a run's journal until it ends. Without a daemon
 * nothing else would fire a due sleep or wait timeout or admit a queued run, so this process
 * drives the run as `--wait` does while it follows; a stale run (its process is gone) ends the
 * watch at once with the command that moves it. Whatever blocks is said on stderr, once.
 */
import {BreytaError, driveRun, followRun, probeDaemon, runView, TERMINAL_STATUSES, type JournalEvent, type OutputItem, type RunView, type Workspace} from '../engine/index.js'
import {nextCommands, withHealth} from './next-commands.js'

/** `output`: also follow the steps' live output (`runs logs --follow`), optionally of one step. */
export async function watchRun(ws: Workspace, runId: string, onEvent: (e: JournalEvent) => void, output: {onOutput?: (o: OutputItem) => void; step?: string} = {}): Promise<RunView> {
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
    if (!daemon && !TERMINAL_STATUSES.includes(current.status)) {
      const why = blockingReason(current)
      if (why) process.stderr.write(`${why}\n`)
      driving = driveRun(ws, runId, {wait: true, waitForAdmission: true, signal: controller.signal, env: process.env}).catch((err: unknown) => {
        failure = err
        controller.abort()
      })
    }
    const view = await followRun(ws, runId, onEvent, {signal: controller.signal, ...output})
    controller.abort()
    await driving
    if (failure !== undefined) throw failure
    return view
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/** Why the run may not move for a while, and what moves it (no daemon runs). */
function blockingReason(view: Awaited<ReturnType<typeof withHealth>>): string | undefined {
  const moves = nextCommands(view).filter((c) => !c.startsWith('breyta runs watch'))
  const then = moves.length > 0 ? ` Moves it: ${moves.join('  |  ')}` : ''
  if (view.status === 'sleeping') return `run ${view.id} sleeps until ${view['wake-at']}; no daemon runs, so this watch wakes it then.`
  if (view.status === 'queued') return `run ${view.id} is queued behind ${view['blocked-by']?.join(', ') || 'an active run'}; no daemon runs, so this watch starts it when a slot frees.${then}`
  if (view.status === 'waiting') {
    const open = view.waits.filter((w) => w.status === 'open')
    const timeouts = open.map((w) => w['timeout-at']).filter((t): t is string => t !== null).sort()
    return `run ${view.id} is waiting on ${open.map((w) => `"${w.key}"`).join(', ')}${timeouts.length > 0 ? ` (times out ${timeouts[0]}; this watch fires it then)` : ' (no timeout)'}.${then}`
  }
  return undefined
}
