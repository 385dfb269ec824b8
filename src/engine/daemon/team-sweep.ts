/**
 * Team mode: several daemons share one store (PostgreSQL), and each must find the work nobody
 * is doing without being told. Signals (`consume`, one daemon per signal) bring most of it at
 * once; this periodic sweep of the unfinished runs is the safety net that makes the rest
 * bounded in time:
 * - running, and no live lease holder: its daemon died (kill -9, machine gone) or let go
 *   without a word; advance it (the journal is replayed, completed steps are not run again);
 * - queued: admit what the flow's queue lets in (the queue is in the store, so concurrency
 *   policies hold across daemons);
 * - waiting or sleeping: remember its wake time here too (the timer fires on every daemon that
 *   knows it; the run's lease lets one advance it, the others find nothing left to do), and
 *   advance it when an inbox entry completes one of its waits.
 * The sweep runs about three times per lease, so a dead daemon's runs move on within about a
 * lease and a third.
 */
import type {Workspace} from '../workspace/workspace.js'
import type {DaemonLog} from './context.js'
import type {ScanResult} from './recovery.js'
import type {Watchers} from './watcher.js'

/** The default lease of the PostgreSQL store (store/pg/leases.ts), when config.edn sets none. */
const DEFAULT_LEASE_MS = 15_000

/** The lease of a workspace's PostgreSQL store (config.edn :store :lease, else the default). */
export function leaseMs(ws: Workspace): number {
  const store = ws.config.store
  return (store.type === 'postgres' ? store.leaseMs : null) ?? DEFAULT_LEASE_MS
}

/** How often to sweep for a workspace's lease length: a third of it, within 0.5–5 s. */
export function sweepInterval(ws: Workspace): number {
  return Math.min(5000, Math.max(500, Math.floor(leaseMs(ws) / 3)))
}

export interface SweepHandlers {
  /** Advance this run (the daemon's executor; its lease decides who really does). */
  advance(runId: string): void
  /** Remember when to wake a parked run (the daemon's timer index). */
  wakeAt(runId: string, at: string | null): void
  /** Admit queued runs of a flow that now have a slot. */
  admit(flow: string): Promise<void>
  log: DaemonLog
}

export interface SweepResult extends ScanResult {
  /** Running runs nobody held, taken up by this pass. */
  taken: number
}

/**
 * One pass over the unfinished runs of the store, in three reads whatever their number: the
 * snapshots, which of them are held, and the inbox keys of the waiting ones. Also the start-up
 * scan in team mode (finished runs, however many, are not read).
 */
export async function sweepOnce(ws: Workspace, handlers: SweepHandlers, now = Date.now()): Promise<SweepResult> {
  const views = await ws.store.runs.unfinished()
  const held = await ws.store.leases.held(views.filter((v) => v.status !== 'queued').map((v) => v.id))
  const free = views.filter((v) => v.status !== 'queued' && !held.has(v.id))
  const posted = await ws.store.inbox.keysOf(free.filter((v) => v.status === 'waiting').map((v) => v.id))
  const out: SweepResult = {runs: views.length, advanced: 0, timers: 0, 'by-status': {}, taken: 0}
  for (const v of views) out['by-status'][v.status] = (out['by-status'][v.status] ?? 0) + 1
  const advance = (id: string) => {
    out.advanced++
    handlers.advance(id)
  }
  for (const view of free) {
    if (view.status === 'running') {
      out.taken++
      advance(view.id)
      continue
    }
    const wake = view['wake-at']
    handlers.wakeAt(view.id, wake)
    if (wake !== null) out.timers++
    const due = wake !== null && Date.parse(wake) <= now
    const keys = posted.get(view.id) ?? []
    if (due || view.waits.some((w) => w.status === 'open' && keys.includes(w.key))) advance(view.id)
  }
  for (const flow of new Set(views.filter((v) => v.status === 'queued').map((v) => v.flow))) await handlers.admit(flow)
  return out
}

/** Sweep every `everyMs` until closed; one pass at a time. */
export function startTeamSweep(ws: Workspace, everyMs: number, handlers: SweepHandlers): Watchers {
  let closed = false
  let running: Promise<void> | undefined
  const tick = () => {
    if (closed || running) return
    running = sweepOnce(ws, handlers)
      .then((r) => {
        if (r.taken > 0) handlers.log('info', 'sweep took up runs no daemon held', {taken: r.taken, unfinished: r.runs})
      })
      .catch((err: unknown) => handlers.log('warn', 'sweep failed', {error: (err as Error)?.message ?? String(err)}))
      .finally(() => (running = undefined))
  }
  const timer = setInterval(tick, everyMs)
  timer.unref()
  return {
    close: async () => {
      closed = true
      clearInterval(timer)
      await running
    },
  }
}
