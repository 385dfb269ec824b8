/**
 * Child process for the kv cross-process test: opens the workspace kv store, says "ready",
 * waits for "go" on stdin (so both processes start together), does N incrs, prints the time.
 * Usage: node --import tsx test/helpers/kv-incr-worker.ts ROOT NAMESPACE KEY N
 */
import {WorkspaceLayout} from '../../src/engine/store/fs/paths.js'
import {openKvStore} from '../../src/engine/store/fs/kv-store.js'

const [root, ns, key, n] = process.argv.slice(2)
const store = openKvStore(new WorkspaceLayout(root!))
await store.get(ns!, key!)
process.stdout.write('ready\n')
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
const t0 = performance.now()
for (let i = 0; i < Number(n); i++) await store.incr(ns!, key!)
store.close()
process.stdout.write(`done ${(performance.now() - t0).toFixed(1)}\n`)
