/**
 * Durable timers: sleeps and wait timeouts. The durable part is the run itself (its snapshot
 * carries `wake-at`, its journal the sleep end / wait deadline); the daemon keeps only an index
 * run id → wake time, rebuilt from snapshots on start (so whatever fell due while it was down
 * fires at once) and updated from every advance and signal. One node timer is armed for the
 * earliest entry; a min-heap with lazy deletion keeps that cheap for 10,000 parked runs.
 */

/** setTimeout's ceiling (~24.8 days); longer waits re-arm. */
const MAX_DELAY_MS = 2 ** 31 - 1
/** Fire a little late rather than early: the run loop compares against its own clock. */
const SLACK_MS = 2

export class TimerIndex {
  private readonly due = new Map<string, number>()
  private heap: [number, string][] = []
  private timer?: NodeJS.Timeout
  private armedFor = Infinity
  private stopped = false

  constructor(
    private readonly onDue: (runId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.due.size
  }

  /** Remember when run `runId` must be woken (an ISO time), or forget it (null). */
  set(runId: string, wakeAt: string | null | undefined): void {
    const at = wakeAt ? Date.parse(wakeAt) : NaN
    if (Number.isNaN(at)) {
      this.due.delete(runId)
      return
    }
    if (this.due.get(runId) === at) return
    this.due.set(runId, at)
    this.push([at, runId])
    if (at < this.armedFor) this.arm()
  }

  delete(runId: string): void {
    this.due.delete(runId)
  }

  /** The wake time of a run, for tests and `daemon status`. */
  get(runId: string): number | undefined {
    return this.due.get(runId)
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Fire every entry that is due now and re-arm for the next. */
  private fire(): void {
    this.timer = undefined
    this.armedFor = Infinity
    const now = this.now()
    for (;;) {
      const top = this.heap[0]
      if (!top) break
      const [at, id] = top
      if (this.due.get(id) !== at) {
        this.pop()
        continue
      }
      if (at > now) break
      this.pop()
      this.due.delete(id)
      this.onDue(id)
    }
    this.arm()
  }

  private arm(): void {
    if (this.stopped) return
    while (this.heap[0] && this.due.get(this.heap[0][1]) !== this.heap[0][0]) this.pop()
    const top = this.heap[0]
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.armedFor = Infinity
    if (!top) return
    const delay = Math.min(Math.max(0, top[0] - this.now() + SLACK_MS), MAX_DELAY_MS)
    this.armedFor = top[0]
    this.timer = setTimeout(() => this.fire(), delay)
  }

  private push(item: [number, string]): void {
    if (this.heap.length > 2 * this.due.size + 1024) {
      // Too many superseded entries: rebuild from the live ones.
      const live = [...this.due].map(([id, at]) => [at, id] as [number, string])
      this.heap = []
      for (const e of live) this.push(e)
      if (this.due.get(item[1]) === item[0]) return
    }
    const h = this.heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (h[p]![0] <= h[i]![0]) break
      ;[h[p], h[i]] = [h[i]!, h[p]!]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && h[l]![0] < h[m]![0]) m = l
      if (r < h.length && h[r]![0] < h[m]![0]) m = r
      if (m === i) break
      ;[h[m], h[i]] = [h[i]!, h[m]!]
      i = m
    }
  }
}
