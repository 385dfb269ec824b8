/**
 * The showcase flows end to end through the demo's own code path (scripts/demo/runner.mjs):
 * a fresh temp workspace, real stand-in servers on 127.0.0.1 (HTTP, an OpenAI-compatible model,
 * an ssh2 "VM"), the built CLI for every action, approvals answered like `--approve`/`--reject`
 * (and once "by a person in the TUI", i.e. from outside the demo), and the daemon for the two
 * flows that wait on a callback. Each demo takes a few seconds.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
// @ts-expect-error plain ESM without type declarations
import {runDemo} from '../../scripts/demo/runner.mjs'
import {listOpenWaits, openWorkspace, readRunEvents} from '../../src/engine/index.js'
import {BIN, REPO_ROOT, cli, sleep, until} from '../helpers/workspace.js'

interface DemoResult {
  name: string
  workspace: string
  runId: string
  status: string
  run: {
    status: string
    output: any
    steps: {id: string; type: string; status: string; attempts: number}[]
    waits: {key: string; status: string; 'completed-by': string | null}[]
  }
  servers: Record<string, any>
  secrets: Record<string, string>
}

const workspaces: string[] = []
const daemonBuilt = fs.existsSync(path.join(REPO_ROOT, 'dist', 'commands', 'daemon', 'start.js'))

async function demo(name: string, options: Record<string, unknown> = {}): Promise<DemoResult & {lines: string[]}> {
  const lines: string[] = []
  const result = (await runDemo(name, {log: (l: string) => lines.push(l), color: false, timeoutMs: 30_000, ...options})) as DemoResult
  workspaces.push(result.workspace)
  return {...result, lines}
}

function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = []
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) hits.push(...filesContaining(p, needle))
    else if (entry.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p)
  }
  return hits
}

afterAll(() => {
  for (const w of workspaces) fs.rmSync(w, {recursive: true, force: true})
})

describe('showcase flows', {timeout: 60_000}, () => {
  it('every flow in flows/ validates', async () => {
    const files = fs.readdirSync(path.join(REPO_ROOT, 'flows')).filter((f) => f.endsWith('.edn'))
    expect(files).toEqual(expect.arrayContaining(['hello.edn', 'support-handoff.edn', 'content-pipeline.edn', 'agent-pr.edn', 'remote-agent.edn']))
    const results = await Promise.all(
      files.map((file) => cli(['flows', 'validate', '--file', path.join(REPO_ROOT, 'flows', file), '--json'], {cwd: REPO_ROOT})),
    )
    results.forEach((r, i) => {
      expect(r.code, `${files[i]}: ${r.stdout}`).toBe(0)
      expect(r.json.data.valid, files[i]).toBe(true)
    })
  })

  it('hello completes', async () => {
    const r = await demo('hello')
    expect(r.status, r.lines.join('\n')).toBe('completed')
    expect(r.run.output).toEqual({message: 'Hello, Ada Lovelace! Your name has 11 letters.', shout: 'ADA LOVELACE'})
  })

  it('support-handoff: approved, it updates support, status and billing and notifies; no secret leaks', async () => {
    const r = await demo('support-handoff')
    expect(r.status, r.lines.join('\n')).toBe('completed')
    expect(r.run.output).toMatchObject({ticket: 'T-1042', severity: 'high', replied: true, 'reply-id': 'reply-5521', incident: 'inc-42', credit: 'cr-1007'})
    expect(r.run.steps.map((s) => s.id)).toEqual([
      'triage',
      'gather-logs',
      'draft-reply',
      'approve-reply',
      'update-support',
      'update-status',
      'credit-billing',
      'tell-team',
    ])
    expect(r.run.waits[0]).toMatchObject({key: 'approve-reply', status: 'completed', 'completed-by': 'demo'})
    // The reviewer saw the triage and the errors the draft was built from (:approval :show).
    expect(r.run.waits[0]).toMatchObject({
      approval: {
        show: {triage: {severity: 'high', area: 'payments'}, errors: expect.arrayContaining([expect.objectContaining({message: expect.any(String)})])},
      },
    })
    expect(r.lines).toContain('approving as demo…')
    // Each event is narrated at its own time since the run was created, not when it was printed.
    const events = readRunEvents((await openWorkspace({explicit: r.workspace, from: r.workspace})).layout, r.runId)
    const created = Date.parse(events[0]!.at)
    const expected = events
      .filter((e) => e.type === 'step_started' && e.attempt === 1)
      .map((e) => `+${((Date.parse(e.at) - created) / 1000).toFixed(2)}s ▶ ${(e as {step: string}).step} `)
    const narrated = r.lines
      .map((l) => l.trim())
      .filter((l) => / ▶ [\w-]+ \(/.test(l))
      .map((l) => l.replace(/\(.*$/, ''))
    expect(narrated).toEqual(expected)
    expect(r.lines.find((l) => l.includes(' created support-handoff'))?.trim()).toMatch(/^\+0\.00s /)
    expect(new Set(narrated.map((l) => l.split(' ')[0])).size).toBeGreaterThan(1)
    // The drafted reply reached the helpdesk, and the model was asked with the gathered logs.
    expect(r.servers.support.requests[0].json.body).toContain('Hi Acme team')
    expect(r.servers.llm.requests[0].json.messages.at(-1).content).toContain('captured twice')
    expect(r.servers.chat.requests[0].json.message).toContain('approved by demo')
    for (const value of Object.values(r.secrets)) {
      expect(filesContaining(path.join(r.workspace, '.breyta'), value).filter((p) => !p.endsWith('secrets.edn'))).toEqual([])
    }
  })

  it('support-handoff with --reject leaves the systems alone and records the note', async () => {
    const r = await demo('support-handoff', {decision: 'reject'})
    expect(r.status, r.lines.join('\n')).toBe('completed')
    expect(r.run.output).toMatchObject({ticket: 'T-1042', replied: false, comment: 'Too vague about the refund; say when it lands'})
    expect(r.lines).toContain('rejecting as demo…')
    expect(r.servers.billing.requests).toHaveLength(0)
    expect(r.servers.support.requests.map((q: {path: string}) => q.path)).toEqual(['/tickets/T-1042/notes'])
  })

  it('support-handoff with --tui waits for a person, who approves from outside the demo', async () => {
    let approver: Promise<unknown> | undefined
    const r = await demo('support-handoff', {
      tui: true,
      log(line: string) {
        // What the person does after reading the hint (the TUI's `a` records the same decision).
        const m = /breyta tui --workspace (\S+)/.exec(line)
        if (m && !approver) {
          approver = (async () => {
            const ws = m[1]!
            // The person opens the TUI, finds the waiting run and presses `a` a moment later.
            const opened = await openWorkspace({explicit: ws, from: ws})
            const w = await until(async () => (await listOpenWaits(opened))[0], 20_000, 50)
            await sleep(500)
            return new Promise((resolve) => execFile(process.execPath, [BIN, 'waits', 'approve', w.run, w.key, '--by', 'person', '--json'], {cwd: ws}, resolve))
          })()
        }
      },
    })
    expect(approver).toBeDefined()
    expect(r.status, r.lines.join('\n')).toBe('completed')
    expect(r.run.waits[0]).toMatchObject({status: 'completed', 'completed-by': 'person'})
    expect(r.lines.join('\n')).not.toContain('approving as demo')
  })

  it('agent-pr: the agent edits, the PR opens, approval, deploy over ssh with a pinned host key', async () => {
    const r = await demo('agent-pr')
    expect(r.status, r.lines.join('\n')).toBe('completed')
    const out = r.run.output
    expect(out).toMatchObject({pr: 17, merged: true, url: 'https://forge.example.test/acme/shop/pull/17'})
    expect(out.deployed).toMatch(/^[0-9a-f]{7} Add a \/healthz endpoint$/)
    expect(out.branch).toBe(`agent/${r.runId.toLowerCase()}`)
    // The VM's clone really has the agent's change.
    expect(fs.readFileSync(path.join(r.servers.vm.deployDir, 'src', 'health.js'), 'utf8')).toContain('Add a /healthz endpoint')
    expect(r.servers.forge.pulls[0]).toMatchObject({title: 'Add a /healthz endpoint', head: out.branch, base: 'main', state: 'merged'})
    expect(r.servers.forge.pulls[0].body).toContain('Added src/health.js')
    expect(r.run.steps.find((s) => s.id === 'deploy')).toMatchObject({type: 'ssh', status: 'completed'})
  })

  it.skipIf(!daemonBuilt)('content-pipeline: fan-out, render callback via the daemon, review, publish with a retried 503', async () => {
    const r = await demo('content-pipeline')
    expect(r.status, r.lines.join('\n')).toBe('completed')
    const out = r.run.output
    expect(out).toMatchObject({published: 3, 'render-job': 'job-001', blog: ['post-100', 'post-101', 'post-102'], newsletter: 'cmp-7'})
    expect(out.articles.map((a: {slug: string}) => a.slug).sort()).toEqual(['agents-and-people', 'durable-runs', 'waiting-well'])
    for (const a of out.articles) expect(a.html).toMatch(/^https:\/\/cdn\.example\.test\/job-001\//)
    const ids = r.run.steps.map((s) => s.id)
    expect(ids).toEqual(expect.arrayContaining(['tag[0]', 'score[0]', 'tag[2]', 'score[2]', 'rendered', 'review']))
    expect(r.run.steps.find((s) => s.id === 'publish-newsletter')).toMatchObject({status: 'completed', attempts: 2})
    expect(r.servers.render.callbacks).toHaveLength(1)
    expect(r.servers.render.callbacks[0].status).toBeGreaterThanOrEqual(200)
    expect(r.servers.render.callbacks[0].status).toBeLessThan(300)
    expect(r.run.waits.find((w) => w.key === 'rendered')).toMatchObject({status: 'completed'})
  })

  it.skipIf(!daemonBuilt)('remote-agent: ssh starts detached work, the wait parks, the worker POSTs, the run goes on', async () => {
    const r = await demo('remote-agent')
    expect(r.status, r.lines.join('\n')).toBe('completed')
    const out = r.run.output
    expect(out.worker).toMatch(/^worker pid \d+$/)
    expect(out.result).toMatchObject({status: 'done', report: 'REPORT.md'})
    expect(out.ok).toBe(true)
    expect(out.report).toContain('# Summarise the failing tests')
    expect(r.run.waits[0]).toMatchObject({key: 'agent-done', status: 'completed'})
    expect(r.servers.vm.commands).toHaveLength(2)
  })

  it('npm run demo rejects an unknown name with usage (exit 2)', async () => {
    const code = await new Promise<number>((resolve) =>
      execFile(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.mjs'), 'nope'], (err) => resolve(err ? Number((err as {code?: number}).code) : 0)),
    )
    expect(code).toBe(2)
  })
})
