/** The showcase demos by name (`npm run demo -- NAME`); the first is the default. */
import agentPr from './scenarios/agent-pr.mjs'
import contentPipeline from './scenarios/content-pipeline.mjs'
import hello from './scenarios/hello.mjs'
import remoteAgent from './scenarios/remote-agent.mjs'
import supportHandoff from './scenarios/support-handoff.mjs'

/**
 * A scenario: `title`, `about` (lines), `needsDaemon`, `setup(ctx)` → {endpoints, connections,
 * secrets, input}; optional `explain(event)`, `summary(run, servers)`, approve/reject comments.
 * `setup` registers every server it starts in `ctx.servers` (the runner closes them).
 */
export const SCENARIOS = {
  'support-handoff': supportHandoff,
  hello,
  'content-pipeline': contentPipeline,
  'agent-pr': agentPr,
  'remote-agent': remoteAgent,
}

export const DEFAULT_DEMO = 'support-handoff'
