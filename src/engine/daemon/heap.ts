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
 * works; but a worker thread starting resets V8's flags (node 20, between `new Worker` and its
 * 'online'), so the pool sets them again on every turn of the event loop while a worker
 * starts, and once it has loaded (worker-pool.ts holdFlagsWhileStarting). Set only once online,
 * a worker started under load (the pool growing in workload C) let the main thread's
 * semi-spaces grow from 4 to 16 MB, until V8 shrank them ~6 s into idle. Workers follow the same
 * rules: their semi-spaces stay at the 1–2 MB they have then (their cap is 2 MB), their old
 * generations grow by 50%.
 *
 * Once idle, the daemon collects garbage in full in every thread (collectGarbage, called from
 * worker-pool.ts): what warm-up and the last burst left in the old generations and the
 * fragmented pages are given back (~19 MB after the workload suite), which V8 itself would only
 * do at its next collection, whenever that comes. A full collection of these heaps takes ~10–25 ms,
 * and has a price after it: it deoptimizes what TurboFan compiled against objects dead by then
 * (`--trace-deopt`: ~110 functions, "weak objects", where a 0.2 s pause without it saw 13), so
 * the first second of a burst that follows ran at 518–715 runs/s where it ran at 750–954 without
 * the collection (workload C after 1 s idle, one worker). Kept: a daemon is mostly idle, and V8's
 * own memory reducer collects in full after a quiet spell anyway.
 * Its young generations V8 shrinks only ~6 s into idle (collected again then): no flag or
 * call of node 20 does it sooner (`gc({flavor: 'last-resort'})` does not).
 */
import v8 from 'node:v8'
import vm from 'node:vm'

/** --expose-gc: contexts made from now on (a worker's) have `gc`; see collectGarbage. */
const FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=50', '--expose-gc']

/** This (the main) thread's `gc`, taken from a context made once the flag was on. */
let mainGc: (() => void) | undefined

/**
 * Hold this process's heaps small (again). Only in a process that exists to be the daemon, and
 * first before it starts any worker (so that its `gc` is taken with no worker start under way).
 */
export function holdHeap(): void {
  for (const flag of FLAGS) v8.setFlagsFromString(flag)
  mainGc ??= fn(vm.runInNewContext('gc'))
}

/** V8's own sizing again (the daemon advances runs on its main thread: no workers). */
export function releaseHeap(): void {
  for (const flag of ['--semi-space-growth-factor=2', '--heap-growing-percent=0', '--no-expose-gc']) v8.setFlagsFromString(flag)
}

/**
 * A full garbage collection of this thread's heap now, where `gc` is to be had (else nothing),
 * compacting: V8 leaves fragmented old-generation pages in place unless it thinks memory is
 * short, and only thinks so once the allocation rate of the last 5 s is low. Measured 1 s after
 * the workload suite, the daemon's PSS was 27–31% over idle with compaction, 39–42% without.
 * The flag is process-wide, so a thread collecting at the same moment may compact too.
 */
export function collectGarbage(): void {
  const gc = mainGc ?? fn((globalThis as {gc?: unknown}).gc)
  if (!gc) return
  v8.setFlagsFromString('--compact-on-every-full-gc')
  try {
    gc()
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc')
  }
}

/**
 * The environment for a daemon this process starts (`daemon start --detach`): glibc's malloc
 * capped at 2 arenas unless the user chose a cap, as bin/run.js's launcher does for a daemon
 * started in the foreground (its comment has the measure); the marker has bin/run.js take the
 * cap out of what that daemon hands on.
 */
export function daemonProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.MALLOC_ARENA_MAX ? env : {...env, MALLOC_ARENA_MAX: '2', BREYTA_MALLOC_ARENAS: 'launcher'}
}

function fn(v: unknown): (() => void) | undefined {
  return typeof v === 'function' ? (v as () => void) : undefined
}
