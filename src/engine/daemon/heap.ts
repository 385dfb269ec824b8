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
 * Once idle, the daemon collects garbage in full in every thread (settleHeap, called from
 * worker-pool.ts): what warm-up and the last burst left in the old generations and the
 * fragmented pages are given back (~19 MB after the workload suite), which V8 itself would only
 * do at its next collection, whenever that comes. A full collection of these heaps takes ~10–25 ms,
 * and has a price after it: it deoptimizes what TurboFan compiled against objects dead by then
 * (`--trace-deopt`: ~110 functions, "weak objects", where a 0.2 s pause without it saw 13), so
 * the first second of a burst that follows ran at 518–715 runs/s where it ran at 750–954 without
 * the collection (workload C after 1 s idle, one worker). Kept: a daemon is mostly idle, and V8's
 * own memory reducer collects in full after a quiet spell anyway.
 * Its young generations V8 shrinks only at a full collection whose recent allocation rate is
 * low: settleHeap shows it the idle rate first (QUIET_SAMPLES), and the main thread's young
 * generation grows back to its held size in the next burst (regrowTo).
 */
import v8 from 'node:v8'
import vm from 'node:vm'

/** --expose-gc: contexts made from now on (a worker's) have `gc`; see settleHeap. */
const FLAGS = ['--heap-growing-percent=50', '--expose-gc']

/**
 * V8 shrinks a young generation only at a full collection, and only when its allocation rate is
 * under 1 KB/ms, averaged over its last collections (V8's GC tracer keeps 10). Right after
 * a burst that is still the burst's rate, so V8 on its own shrank the daemon's young generations
 * ~6 s into idle, and 1 s after the workload suite they held ~9 MB more than at idle (the main
 * thread's semi-spaces used in full, +4 MB; the worker's). Minor collections of the empty young
 * generation (~0.2 ms each) spaced over a quiet spell fill that buffer with the idle rate first.
 * The first one's interval still holds the burst's tail: with --trace-gc-nvp after workload C,
 * the rate V8 saw fell below 1 KB/ms at the 11th minor collection (1.2 KB/ms at the 10th, then
 * 70 B/ms in the main thread; 230 in the worker). 12 at 20 ms shrank a toy heap's 16 MB
 * semi-spaces, 10 at 20 ms and 12 at 5 ms did not (node 20.20); 14 leave a margin.
 * V8 also keeps a young generation at its size while more has survived in it since it last
 * grew than it holds: a toy heap held at 8 MB through a burst whose objects lived long did not
 * shrink at the first settling, and did at the second (worker-pool.ts settles again 6 s into
 * idle). The daemon's main thread, whose objects die young, shrank at the first in 11 of the 12
 * runs measured; in the other a probe sampling its heap every 10 ms was allocating in it.
 */
const QUIET_SAMPLES = 14
const QUIET_GAP_MS = 20

type Gc = (options?: {type: 'minor' | 'major'}) => void

/** This (the main) thread's `gc`, taken from a context made once the flag was on. */
let mainGc: Gc | undefined

/**
 * The main thread's young generation shrinks to V8's initial size when it settles, and with
 * growth held at 1× it would stay there: a burst after idle would scavenge 4× as often (workload
 * C ran 8% slower with 1 MB semi-spaces). So after a shrink it may grow back to the size it had
 * (`regrowTo`, bytes; 0 when not regrowing), by the factor that reaches it without passing it.
 * The factor is worked out again from the size at each setting, since a worker starting resets
 * it to V8's 2× until it is set again (see above), and once the size is reached it is 1× again.
 */
let regrowTo = 0

function growthFactor(): number {
  if (regrowTo === 0) return 1
  const factor = Math.floor(regrowTo / youngCapacity())
  if (factor <= 1) regrowTo = 0
  return Math.max(1, factor)
}

/**
 * Hold this process's heaps small (again). Only in a process that exists to be the daemon, and
 * first before it starts any worker (so that its `gc` is taken with no worker start under way).
 */
export function holdHeap(): void {
  for (const flag of [...FLAGS, `--semi-space-growth-factor=${growthFactor()}`]) v8.setFlagsFromString(flag)
  mainGc ??= fn(vm.runInNewContext('gc'))
}

/** V8's own sizing again (the daemon advances runs on its main thread: no workers). */
export function releaseHeap(): void {
  for (const flag of ['--semi-space-growth-factor=2', '--heap-growing-percent=0', '--no-expose-gc']) v8.setFlagsFromString(flag)
}

/**
 * Give back what a burst grew, in this thread, once it is idle: QUIET_SAMPLES minor collections
 * QUIET_GAP_MS apart, then a full one, compacting (fullCollection), at which V8 shrinks the
 * young generation. Resolves with the young generation's capacity before and after (bytes);
 * stops early, without the full collection, as soon as `busy()`. Where `gc` is not to be had,
 * nothing.
 */
export async function settleHeap(busy: () => boolean): Promise<{before: number; after: number} | undefined> {
  const gc = mainGc ?? fn((globalThis as {gc?: unknown}).gc)
  if (!gc) return undefined
  const before = youngCapacity()
  for (let i = 0; i < QUIET_SAMPLES; i++) {
    await new Promise((r) => setTimeout(r, QUIET_GAP_MS).unref())
    if (busy()) return undefined
    gc({type: 'minor'})
  }
  fullCollection(gc)
  const after = youngCapacity()
  if (gc === mainGc && after < before) {
    regrowTo = before
    holdYoungGeneration()
  }
  return {before, after}
}

/**
 * After each advance ends, in the main thread: while its young generation regrows, the growth
 * factor is set again for the size it has now (a getHeapSpaceStatistics, ~µs); otherwise nothing.
 */
export function holdYoungGeneration(): void {
  if (regrowTo !== 0) v8.setFlagsFromString(`--semi-space-growth-factor=${growthFactor()}`)
}

/** The young generation's capacity (both semi-spaces), bytes. */
function youngCapacity(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
}

/**
 * A full garbage collection, compacting: V8 leaves fragmented old-generation pages in place
 * unless it thinks memory is short, and only thinks so once the allocation rate of the last 5 s
 * is low. Measured 1 s after the workload suite, the daemon's PSS was 27–31% over idle with
 * compaction, 39–42% without. The flag is process-wide, so a thread collecting at the same
 * moment may compact too.
 */
function fullCollection(gc: Gc): void {
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

function fn(v: unknown): Gc | undefined {
  return typeof v === 'function' ? (v as Gc) : undefined
}
