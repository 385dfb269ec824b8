/**
 * A real SSH server for tests: ssh2's Server on 127.0.0.1:<random>, running each exec request
 * with /bin/sh in its own process group. Password and public-key auth, env requests, stdin,
 * exit codes, signals (the `signal` channel request and channel close both kill the group).
 * Never call execFileSync while it runs: the server lives on the test's event loop. Shared with
 * the demo (`npm run demo`): the implementation lives in scripts/demo/stand-ins.mjs.
 */
export {generateUserKey, startSshServer, type SshUser, type TestSshServer} from '../../../scripts/demo/stand-ins.mjs'
