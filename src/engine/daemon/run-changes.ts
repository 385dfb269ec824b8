/**
 * In-daemon change notices per run, for `GET /runs/RUN?wait=…` (long poll): a request waits
 * for the next notice about its run instead of the client polling every 50 ms. The daemon
 * notifies after each of its own advances and on every signal from another process. Waiters
 * live only as long as their request; a run nobody waits on costs nothing.
 *
 * A notice after an advance carries the view the advance ended with, so a waiter for the end
 * answers without reading the journal again.
 */
import type {RunView} from '../journal/projection.js'

export interface ChangeWait {
  /** Resolves at the next notice for the run (with the run's view if the notice had one), or after `ms`. */
  changed: Promise<RunView | undefined>
  cancel(): void
}

export class RunChanges {
  private readonly waiters = new Map<string, Set<(view?: RunView) => void>>()

  wait(runId: string, ms: number): ChangeWait {
    let done: (view?: RunView) => void = () => {}
    const changed = new Promise<RunView | undefined>((resolve) => {
      const timer = setTimeout(() => done(), ms)
      done = (view) => {
        clearTimeout(timer)
        const set = this.waiters.get(runId)
        set?.delete(done)
        if (set?.size === 0) this.waiters.delete(runId)
        resolve(view)
      }
      let set = this.waiters.get(runId)
      if (!set) this.waiters.set(runId, (set = new Set()))
      set.add(done)
    })
    return {changed, cancel: () => done()}
  }

  /** `view`: the run as an advance in this daemon just left it. */
  notify(runId: string, view?: RunView): void {
    const set = this.waiters.get(runId)
    if (set) for (const done of [...set]) done(view)
  }

  /** Requests waiting right now (for /healthz). */
  get waiting(): number {
    let n = 0
    for (const set of this.waiters.values()) n += set.size
    return n
  }
}
