/**
 * `content-pipeline`: an inbox of markdown drafts in the workspace, two enrichment services, a
 * slow render service that calls back, a blog and a newsletter API (whose first call answers 503).
 */
import fs from 'node:fs'
import path from 'node:path'
import {startService} from '../stand-ins.mjs'
import {secretValue} from './secret.mjs'

const DRAFTS = {
  'durable-runs.md': '# Durable runs\n\nEvery step is journaled before the run moves on, so a crash costs nothing but a replay.\n',
  'waiting-well.md': '# Waiting well\n\nA run that waits for a person or a callback holds no process and no memory: only a file.\n',
  'agents-and-people.md': '# Agents and people\n\nAgents drive breyta through --json; people through the same CLI and a TUI. Both see the same runs.\n',
}

const TAGS = ['workflows', 'durability', 'agents', 'ops', 'writing']

/** POST the render result to the flow's callback URL a moment after the job was accepted. */
function scheduleCallback(server, job, body) {
  setTimeout(async () => {
    const renders = body.articles.map((slug) => ({slug, url: `https://cdn.example.test/${job}/${slug}.html`}))
    try {
      const res = await fetch(body.callback, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({job, renders})})
      server.callbacks.push({status: res.status, body: await res.text()})
    } catch (err) {
      server.callbacks.push({status: 0, body: String(err)})
    }
  }, 800)
}

export default {
  title: 'ingest → flow/map fan-out → render callback → review → publish twice (with retries)',
  about: [
    'Three drafts in inbox/ are counted (exec), enriched by two services per article in parallel',
    "(flow/map, :concurrency 2), rendered by a slow service that POSTs back to the run's callback",
    'URL (the daemon receives it), reviewed by a person, then published to a blog and a newsletter',
    'whose API answers 503 once (:retry).',
  ],
  needsDaemon: true,
  approveComment: 'Good batch, publish',
  rejectComment: 'Hold these until Monday',
  async setup({workspace, servers}) {
    const inbox = path.join(workspace, 'inbox')
    fs.mkdirSync(inbox, {recursive: true})
    for (const [file, text] of Object.entries(DRAFTS)) fs.writeFileSync(path.join(inbox, file), text)
    const blogToken = secretValue('blog')
    let nextTag = 0
    servers.taxonomy = await startService({
      // A little latency makes the :concurrency 2 visible in the timeline.
      'POST /classify': async () => {
        await new Promise((r) => setTimeout(r, 120))
        const i = nextTag++
        return {status: 200, body: {tags: [TAGS[i % TAGS.length], TAGS[(i + 2) % TAGS.length]]}}
      },
    })
    servers.readability = await startService({
      'POST /score': async (req) => {
        await new Promise((r) => setTimeout(r, 120))
        return {status: 200, body: {minutes: Math.max(1, Math.round((req.json?.words ?? 0) / 200))}}
      },
    })
    servers.render = await startService({
      'POST /jobs': (req) => {
        const job = 'job-' + String(servers.render.requests.length).padStart(3, '0')
        scheduleCallback(servers.render, job, req.json ?? {articles: []})
        return {status: 202, body: {job, state: 'queued'}}
      },
    })
    servers.render.callbacks = []
    servers.blog = await startService(
      {
        'POST /posts': (req) => ({status: 201, body: {ids: (req.json?.posts ?? []).map((p, i) => `post-${100 + i}`)}}),
      },
      {bearer: blogToken},
    )
    servers.newsletter = await startService({'POST /campaigns': () => ({status: 201, body: {id: 'cmp-7', state: 'scheduled'}})})
    // The newsletter API is having a moment: the first call gets a 503.
    servers.newsletter.queue.push({status: 503, headers: {'retry-after': '0'}, body: {error: 'service unavailable, try again'}})
    return {
      endpoints: {
        taxonomy: servers.taxonomy.url,
        readability: servers.readability.url,
        render: servers.render.url,
        blog: servers.blog.url,
        newsletter: servers.newsletter.url,
      },
      connections: `{:taxonomy    {:type :http :base-url "${servers.taxonomy.url}"}
 :readability {:type :http :base-url "${servers.readability.url}"}
 :render      {:type :http :base-url "${servers.render.url}"}
 :blog        {:type :http :base-url "${servers.blog.url}" :auth {:bearer :blog-token}}
 :newsletter  {:type :http :base-url "${servers.newsletter.url}"}}
`,
      secrets: {'blog-token': blogToken},
      input: {inbox: 'inbox'},
    }
  },
  explain(e) {
    if (e.type === 'step_completed' && e.step === 'start-render')
      return 'the render service got (flow/callback-url "rendered") and answers 202 at once; it will POST back when done'
    if (e.type === 'wait_opened' && e.key === 'rendered')
      return 'the run parks; the render service POSTs to /callbacks/RUN/rendered?token=… on the daemon, which resumes it'
    if (e.type === 'step_attempt_failed' && e.step === 'publish-newsletter')
      return 'a 503 is retryable: :retry {:max-attempts 3 :backoff "500ms"} tries again; both attempts stay in the journal'
    if (e.type === 'step_completed' && e.step === 'parse') return 'from here on, a crash costs nothing: `breyta runs resume RUN` replays these recorded results'
    return undefined
  },
  summary(_run, servers) {
    const cb = servers.render?.callbacks ?? []
    return [
      `render callback POSTs: ${cb.map((x) => x.status).join(', ') || 'none'}; newsletter requests: ${servers.newsletter?.requests.length ?? 0} (the first answered 503)`,
      "Resumability: kill the run's process at any step, then `breyta runs resume RUN`; recorded steps are not re-run.",
    ]
  },
}
