/**
 * Replay protection for webhooks: a delivery id (X-Breyta-Delivery, X-GitHub-Delivery) is
 * remembered 24 h, a signature as long as its timestamp could still pass the skew check (a
 * GitHub signature, which has no timestamp, 24 h too). A repeat gets the first run's id and
 * starts nothing, also when it arrives while the first is still starting its run.
 */
import {readSeenWebhooks, writeSeenWebhooks, type SeenWebhook} from '../store/fs/webhook-store.js'
import type {Workspace} from '../workspace/workspace.js'

export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000
/** Bounds the file; far above any real delivery rate per day of one workspace. */
const MAX_ENTRIES = 100_000

export interface ReplayKey {
  key: string
  ttlMs: number
}

export class ReplayGuard {
  private readonly seen: Map<string, SeenWebhook>
  private readonly starting = new Map<string, Promise<string | undefined>>()

  constructor(private readonly ws: Workspace) {
    const now = Date.now()
    this.seen = new Map(Object.entries(readSeenWebhooks(ws.layout)).filter(([, v]) => v.until > now))
  }

  /**
   * The run an earlier request with any of these keys started, else run `start` (at most once
   * at a time per key) and remember its run under every key.
   */
  async once(keys: ReplayKey[], start: () => Promise<string | undefined>): Promise<{run: string | undefined; repeat: boolean}> {
    const now = Date.now()
    for (const {key} of keys) {
      const hit = this.seen.get(key)
      if (hit && hit.until > now) return {run: hit.run, repeat: true}
      const pending = this.starting.get(key)
      if (pending) return {run: await pending, repeat: true}
    }
    const started = start()
    for (const {key} of keys) this.starting.set(key, started)
    try {
      const run = await started
      if (run !== undefined && keys.length > 0) {
        for (const {key, ttlMs} of keys) this.seen.set(key, {run, until: Date.now() + ttlMs})
        this.save()
      }
      return {run, repeat: false}
    } finally {
      for (const {key} of keys) this.starting.delete(key)
    }
  }

  private save(): void {
    const now = Date.now()
    for (const [k, v] of this.seen) if (v.until <= now) this.seen.delete(k)
    while (this.seen.size > MAX_ENTRIES) this.seen.delete(this.seen.keys().next().value as string)
    writeSeenWebhooks(this.ws.layout, Object.fromEntries(this.seen))
  }
}
