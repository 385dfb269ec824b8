#!/usr/bin/env node
/**
 * `npm run demo [-- NAME] [--approve|--reject] [--tui]`: run a showcase flow end to end, offline,
 * against local stand-in servers, in a throwaway workspace. See docs/tour.md.
 */
import {runDemo, DEMO_NAMES} from './demo/runner.mjs'
import {DEFAULT_DEMO} from './demo/scenarios.mjs'

const USAGE = `usage: npm run demo -- [NAME] [--approve | --reject] [--tui]
       npm run demo -- team

  NAME       ${DEMO_NAMES.join(' | ')} (default ${DEFAULT_DEMO})
  team       two daemons on one local PostgreSQL (BREYTA_STORE_URL, or one it starts)
  --approve  answer approvals with "approve" (default), printed as "approving as demo…"
  --reject   answer approvals with "reject"
  --tui      leave approvals to you: run \`breyta tui --workspace DIR\` and press a or r
  --all      run every demo in turn`

// `npm run demo | head` closes our stdout early: keep going (and clean up) rather than crash.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err
})

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE)
  process.exit(0)
}
// Team mode needs PostgreSQL and two daemons: a demo of its own (scripts/demo/team.mjs).
if (args[0] === 'team' && args.length === 1) {
  const {runTeamDemo} = await import('./demo/team.mjs')
  try {
    const result = await runTeamDemo()
    process.exit(result.status === 'completed' ? 0 : 1)
  } catch (err) {
    console.error(`\ndemo team failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}
const unknown = args.filter((a) => a.startsWith('-') && !['--approve', '--reject', '--tui', '--all'].includes(a))
const names = args.filter((a) => !a.startsWith('-'))
if (
  unknown.length > 0 ||
  names.length > 1 ||
  (names[0] !== undefined && !DEMO_NAMES.includes(names[0])) ||
  (args.includes('--approve') && args.includes('--reject'))
) {
  console.error(USAGE)
  process.exit(2)
}
const decision = args.includes('--reject') ? 'reject' : 'approve'
const tui = args.includes('--tui')
const queue = args.includes('--all') ? DEMO_NAMES : [names[0] ?? DEFAULT_DEMO]

let failed = 0
for (const name of queue) {
  try {
    const result = await runDemo(name, {decision, tui})
    if (result.status !== 'completed') failed++
  } catch (err) {
    console.error(`\ndemo ${name} failed: ${err instanceof Error ? err.message : String(err)}`)
    failed++
  }
  if (queue.length > 1) console.log('\n' + '─'.repeat(72) + '\n')
}
process.exit(failed > 0 ? 1 : 0)
