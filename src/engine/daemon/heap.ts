/**
 * The daemon process's V8 heap sizing (issue 18). Under load V8 grows the main thread's young
 * generation to 2 × 16 MB and keeps it, and lets the old generation fill to several times what
 * is live before it collects: ~30 MB of the daemon's growth after a burst of runs. With workers
 * the main thread serves HTTP and hands runs on; it allocates little that lives long, so both
 * are held small: the semi-spaces stay the size they have at start-up (~1–2 MB) and a full
 * collection comes once the old generation has grown 20% past what was live after the last.
 *
 * These flags are process-wide and V8 reads them at each resize, so setting them at run time
 * works; but a worker thread starting resets them (node 20), so the pool sets them again each
 * time one has started (worker-pool.ts onWorkerStarted). Workers see them too: their young
 * generation is capped lower anyway, and their old generations grow by the same 20% rule.
 */
import v8 from 'node:v8'

const FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=20']

/** Hold this process's V8 heaps small (again). Only for a process that exists to be the daemon. */
export function holdHeap(): void {
  for (const flag of FLAGS) v8.setFlagsFromString(flag)
}
