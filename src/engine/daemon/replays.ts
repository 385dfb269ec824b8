/**
 * Replay protection for webhooks: a delivery id (X-Breyta-Delivery, X-GitHub-Delivery) is
 * remembered 24 h, a signature as long as its timestamp could still pass the skew check (a
 * GitHub signature, which has no timestamp, 24 h too). A repeat gets the first run's id and
 * starts nothing, also when it arrives while the first is still starting its run.
 */
import type {SeenWebhook} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'

export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000
/** Bounds the file; far above any real delivery rate per day of one workspace. */
const MAX_ENTRIES = 100_000
/** A shared claim older than this whose run does not exist was left by a daemon that died. */
const ABANDONED_MS = 30_000

export interface ReplayKey {
  key: string
  ttlMs: number
}

export class ReplayGuard {
  private seen: Map<string, SeenWebhook> | undefined
  private loading: Promise<Map<string, SeenWebhook>> | undefined
  private readonly starting = new Map<string, Promise<string | undefined>>()

  constructor(private readonly ws: Workspace) {}

  /** What was accepted before, read once (in the daemon's first webhook). */
  private async load(): Promise<Map<string, SeenWebhook>> {
    this.loading ??= this.ws.store.webhooks.load().then((stored) => {
      const now = Date.now()
      return (this.seen = new Map(Object.entries(stored).filter(([, v]) => v.until > now)))
    })
    return this.loading
  }

  /**
   * The run an earlier request with any of these keys started, else run `start` (at most once
   * at a time per key) and remember its run under every key.
   */
  async once(keys: ReplayKey[], start: (runId?: string) => Promise<string | undefined>): Promise<{run: string | undefined; repeat: boolean}> {
    const {claim, forget} = this.ws.store.webhooks
    if (claim && forget && keys.length > 0) return this.onceShared(keys, start, claim.bind(this.ws.store.webhooks), forget.bind(this.ws.store.webhooks))
    const seen = this.seen ?? (await this.load())
    const now = Date.now()
    for (const {key} of keys) {
      const hit = seen.get(key)
      if (hit && hit.until > now) return {run: hit.run, repeat: true}
      const pending = this.starting.get(key)
      if (pending) return {run: await pending, repeat: true}
    }
    const started = start()
    for (const {key} of keys) this.starting.set(key, started)
    try {
      const run = await started
      if (run !== undefined && keys.length > 0) {
        for (const {key, ttlMs} of keys) seen.set(key, {run, until: Date.now() + ttlMs})
        await this.save(seen)
      }
      return {run, repeat: false}
    } finally {
      for (const {key} of keys) this.starting.delete(key)
    }
  }

  /**
   * A store shared by several daemons: each key is claimed in the store under the run id the
   * delivery will start, before it starts, so a replay sent to any daemon finds it. A delivery
   * that starts nothing gives its keys back.
   */
  private async onceShared(
    keys: ReplayKey[],
    start: (runId?: string) => Promise<string | undefined>,
    claim: (key: string, run: string, ttlMs: number) => Promise<{run: string; first: boolean; until: number}>,
    forget: (keys: string[], run: string) => Promise<void>,
  ): Promise<{run: string | undefined; repeat: boolean}> {
    const runId = this.ws.store.runs.newRunId()
    const claimed: string[] = []
    for (const {key, ttlMs} of keys) {
      let c = await claim(key, runId, ttlMs)
      if (!c.first && (await this.abandoned(c, ttlMs))) {
        // Its daemon died between claiming the delivery and starting the run: take it over.
        await forget([key], c.run)
        c = await claim(key, runId, ttlMs)
      }
      if (!c.first) {
        await forget(claimed, runId)
        return {run: c.run, repeat: true}
      }
      claimed.push(key)
    }
    let run: string | undefined
    try {
      run = await start(runId)
    } finally {
      if (run === undefined) await forget(claimed, runId)
    }
    return {run, repeat: false}
  }

  /** A claim whose run was never created, made longer ago than any start takes. */
  private async abandoned(c: {run: string; until: number}, ttlMs: number): Promise<boolean> {
    return Date.now() - (c.until - ttlMs) > ABANDONED_MS && !(await this.ws.store.runs.exists(c.run))
  }

  private async save(seen: Map<string, SeenWebhook>): Promise<void> {
    const now = Date.now()
    for (const [k, v] of seen) if (v.until <= now) seen.delete(k)
    while (seen.size > MAX_ENTRIES) seen.delete(seen.keys().next().value as string)
    await this.ws.store.webhooks.save(Object.fromEntries(seen))
  }
}
