/**
 * In-daemon change notices per run, for `GET /runs/RUN?wait=…` (long poll): a request waits
 * for the next notice about its run instead of the client polling every 50 ms. The daemon
 * notifies after each of its own advances and on every signal from another process. Waiters
 * live only as long as their request; a run nobody waits on costs nothing.
 */
export interface ChangeWait {
  /** Resolves at the next notice for the run, or after `ms`. */
  changed: Promise<void>
  cancel(): void
}

export class RunChanges {
  private readonly waiters = new Map<string, Set<() => void>>()

  wait(runId: string, ms: number): ChangeWait {
    let done: () => void = () => {}
    const changed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), ms)
      done = () => {
        clearTimeout(timer)
        const set = this.waiters.get(runId)
        set?.delete(done)
        if (set?.size === 0) this.waiters.delete(runId)
        resolve()
      }
      let set = this.waiters.get(runId)
      if (!set) this.waiters.set(runId, (set = new Set()))
      set.add(done)
    })
    return {changed, cancel: () => done()}
  }

  notify(runId: string): void {
    const set = this.waiters.get(runId)
    if (set) for (const done of [...set]) done()
  }

  /** Requests waiting right now (for /healthz). */
  get waiting(): number {
    let n = 0
    for (const set of this.waiters.values()) n += set.size
    return n
  }
}
