/**
 * The daemon process's V8 heap sizing (issue 18). Under load V8 grows the main thread's young
 * generation to 2 × 16 MB semi-spaces and keeps them: ~27 MB of the daemon's growth after a
 * burst of runs, still there after 30 s idle. With workers the main thread serves HTTP and
 * hands runs on; it allocates little that lives long, so its semi-spaces stay the size loading
 * the engine grew them to (4 MB; held from 1 MB, a soak of 2,000 runs scavenged twice as often
 * for the same memory). What that young generation promotes would then pile up in the old
 * generation until V8's first limit (~10 MB more): a full collection at 50% growth past what
 * was live keeps it near its working size. 1.5 is within V8's own range (1.1–4, chosen from GC
 * and mutator speed), and small heaps grow by at least 8 MB between collections whatever it is.
 *
 * The flags are process-wide and V8 reads them at each resize, so setting them at run time
 * works; but a worker thread starting resets V8's flags (node 20), so the pool sets them again
 * once a worker has loaded (worker-pool.ts onWorkerStarted), by which time that worker's own
 * young generation has grown to its cap (2 MB semi-spaces, worker-pool.ts). Workers' old
 * generations follow the same 50% rule.
 */
import v8 from 'node:v8'

/** Hold this process's heaps small (again). Only in a process that exists to be the daemon. */
export function holdHeap(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  v8.setFlagsFromString('--heap-growing-percent=50')
}

/** V8's own sizing again (the daemon advances runs on its main thread: no workers). */
export function releaseHeap(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=2')
  v8.setFlagsFromString('--heap-growing-percent=0')
}
