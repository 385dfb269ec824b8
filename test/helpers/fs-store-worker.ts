/**
 * Child process for the FsStore cross-process tests: opens the store, says "ready", waits for
 * "go" on stdin (so all workers start together), then does its part and prints a JSON line.
 * Usage: node --import tsx test/helpers/fs-store-worker.ts ROOT post RUN KEY
 *        node --import tsx test/helpers/fs-store-worker.ts ROOT queue SLUG N
 */
import {FsStore} from '../../src/engine/store/fs/fs-store.js'
import {WorkspaceLayout} from '../../src/engine/store/fs/paths.js'

const [root, op, a, b] = process.argv.slice(2)
const store = new FsStore(new WorkspaceLayout(root!))
process.stdout.write('ready\n')
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
if (op === 'post') {
  const won = await store.inbox.post(a!, {key: b!, payload: {by: process.pid}, source: 'api', at: new Date().toISOString()})
  process.stdout.write(JSON.stringify({won, pid: process.pid}) + '\n')
} else {
  // N read-modify-writes of the flow's queue, each adding one entry: none may be lost.
  for (let i = 0; i < Number(b); i++) {
    await store.queue.withQueue(a!, (entries) => ({
      entries: [
        ...(entries ?? []),
        {run: `${process.pid}-${i}`, key: null, limit: 1, state: 'queued' as const, waiter: process.pid, target: 'draft' as const, version: null},
      ],
      result: undefined,
    }))
  }
  process.stdout.write(JSON.stringify({done: Number(b)}) + '\n')
}
