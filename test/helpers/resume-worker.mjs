/**
 * A process that executes runs the way `breyta runs resume` does (the built engine's resumeRun),
 * started ahead of time: it loads the engine and execa, says "ready", then resumes the run id it
 * reads on stdin and prints `{"status": …}`. Crash tests kill -9 it mid-step and hand the run to
 * the next one already warm, so 30 kills fit in seconds rather than 60 CLI start-ups.
 * Usage: node test/helpers/resume-worker.mjs ROOT
 */
import {openWorkspace, resumeRun} from '../../dist/engine/index.js'
import '../../dist/engine/operations/index.js'
import 'execa'

const ws = await openWorkspace({explicit: process.argv[2], from: process.argv[2]})
process.stdout.write('ready\n')
let line = ''
for await (const chunk of process.stdin) {
  line += chunk
  if (line.includes('\n')) break
}
const view = await resumeRun(ws, line.trim(), {env: process.env})
process.stdout.write(JSON.stringify({status: view.status, output: view.output}) + '\n')
