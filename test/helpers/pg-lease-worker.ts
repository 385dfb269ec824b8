/**
 * Child process for the PgStore kill -9 test: opens the store, takes run RUN's lease, appends one
 * event under it, prints "held", then keeps renewing until it is killed.
 * Usage: node --import tsx test/helpers/pg-lease-worker.ts URL SCHEMA RUN LEASE_MS
 */
import {openPgStore} from '../../src/engine/store/pg/index.js'

const [url, schema, run, leaseMs] = process.argv.slice(2)
const store = await openPgStore({url: url!, schema: schema!, leaseMs: Number(leaseMs)})
const lease = await store.leases.tryAcquire(run!, 'worker')
if (!lease) {
  process.stdout.write('not acquired\n')
  process.exit(1)
}
const journal = await store.journals.open(lease, await store.journals.read(run!))
await journal.appendNow({type: 'log', message: `worker ${process.pid}`, at: new Date().toISOString()})
process.stdout.write('held\n')
setInterval(() => {}, 1000)
