// Test helper, preloaded with `node --require`: the process reports os.hostname() as
// $BREYTA_TEST_HOST. Daemons started on one machine with different names look to each other like
// daemons on separate machines, so a killed one's leases cannot be recognised as a dead local pid
// and are taken over only once they expire, as when a machine is gone.
const os = require('node:os')
const name = process.env.BREYTA_TEST_HOST
if (name) {
  os.hostname = () => name
  require('node:module').syncBuiltinESMExports()
}
