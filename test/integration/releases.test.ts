/**
 * Draft vs live (SPEC §2, §5, §6) through the built CLI (`bin/run.js --json`), as an agent
 * drives it, over a real temp workspace that is also a git repository.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

/** A flow whose output says which text ran; `gate` parks it on a wait when asked to. */
function pinFlow(marker: string): string {
  return `{:slug :pin
 :name "pin"
 :flow (let [input (flow/input)
             gate  (if (:park input) (flow/step :wait :gate {:key "gate"}) :no-gate)
             out   (flow/step :function :mark {:code "(fn [x] x)" :input ${JSON.stringify(marker)}})]
         {:marker out :gate gate})}
`
}

let t: TempWorkspace
const run = (...args: string[]) => cli([...args, '--json'], {cwd: t.root})
// The machine's own git config (signing, hooks) is not this test's business.
const gitEnv = {...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0'}
const git = (...args: string[]) => execFileSync('git', args, {cwd: t.root, encoding: 'utf8', env: gitEnv})

beforeAll(async () => {
  t = await tempWorkspace('breyta-releases-')
  git('init', '-q')
  git('config', 'user.email', 't@example.com')
  git('config', 'user.name', 't')
  t.writeFlow('pin', pinFlow('A'))
})
afterAll(() => t.cleanup())

describe('flows release', () => {
  it('refuses live runs before any release: no_live_version, exit 3', async () => {
    const r = await run('flows', 'run', 'pin', '--target', 'live')
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('no_live_version')
    const show = await run('flows', 'show', 'pin', '--target', 'live')
    expect(show.code).toBe(3)
    expect(show.json.error?.code).toBe('no_live_version')
  })

  it('writes v1.edn (the draft exactly) and a deterministic release.edn; an unchanged draft releases nothing and git sees nothing new', async () => {
    const r = await run('flows', 'release', 'pin', '--note', 'first cut')
    expect(r.code).toBe(0)
    expect(r.json.data).toMatchObject({
      released: true,
      slug: 'pin',
      version: 1,
      live: 1,
      promoted: true,
      note: 'first cut',
      path: '.breyta/releases/pin/v1.edn',
    })
    const dir = path.join(t.root, '.breyta', 'releases', 'pin')
    expect(fs.readFileSync(path.join(dir, 'v1.edn'), 'utf8')).toBe(pinFlow('A'))
    const index = fs.readFileSync(path.join(dir, 'release.edn'), 'utf8')
    expect(index).toBe(
      `{:live     1\n :versions [{:version 1 :sha256 "${r.json.data.sha256}" :note "first cut" :created-at "${r.json.data['created-at']}"}]}\n`,
    )

    git('add', '-A')
    git('commit', '-q', '-m', 'release v1')
    expect(git('status', '--porcelain')).toBe('')

    const again = await run('flows', 'release', 'pin')
    expect(again.code).toBe(0)
    expect(again.json.data).toMatchObject({released: false, version: 1, live: 1, promoted: false})
    const promoteSame = await run('flows', 'promote', 'pin', '--version', '1')
    expect(promoteSame.json.data).toMatchObject({changed: false, live: 1, previous: 1})
    expect(git('status', '--porcelain')).toBe('')
    expect(fs.readdirSync(dir).sort()).toEqual(['release.edn', 'v1.edn'])
  })

  it('two processes releasing the same change at once create one version', async () => {
    t.writeFlow('twice', pinFlow('A').replace(':slug :pin', ':slug :twice'))
    const both = await Promise.all([run('flows', 'release', 'twice'), run('flows', 'release', 'twice')])
    expect(both.map((r) => r.code)).toEqual([0, 0])
    expect(both.map((r) => r.json.data.released).sort()).toEqual([false, true])
    expect(both.map((r) => r.json.data.version)).toEqual([1, 1])
    expect(fs.readdirSync(path.join(t.root, '.breyta', 'releases', 'twice')).sort()).toEqual(['release.edn', 'v1.edn'])
    fs.rmSync(path.join(t.root, '.breyta', 'releases', 'twice'), {recursive: true})
    fs.rmSync(path.join(t.root, '.breyta', 'flows', 'twice.edn'))
  })

  it('validates the draft first: an invalid draft is not released (invalid_flow, exit 2)', async () => {
    t.writeFlow('broken', '{:slug :broken :name "b" :flow (flow/step :nope :x {})}\n')
    const r = await run('flows', 'release', 'broken')
    expect(r.code).toBe(2)
    expect(r.json.error?.code).toBe('invalid_flow')
    expect(fs.existsSync(path.join(t.root, '.breyta', 'releases', 'broken'))).toBe(false)
    fs.rmSync(path.join(t.root, '.breyta', 'flows', 'broken.edn'))
  })

  it('after editing the draft, draft runs see the edit and live runs do not', async () => {
    t.writeFlow('pin', pinFlow('B'))
    const draft = await run('flows', 'run', 'pin', '--wait')
    expect(draft.code).toBe(0)
    expect(draft.json.data).toMatchObject({target: 'draft', version: null, status: 'completed', output: {marker: 'B'}})
    const live = await run('flows', 'run', 'pin', '--target', 'live', '--wait')
    expect(live.code).toBe(0)
    expect(live.json.data).toMatchObject({target: 'live', version: 1, status: 'completed', output: {marker: 'A'}})
    const shown = await run('runs', 'show', live.json.data.id)
    expect(shown.json.data).toMatchObject({target: 'live', version: 1, sha256: live.json.data.sha256})
  })

  it('diffs live → draft by default, readable and structured', async () => {
    const human = await cli(['flows', 'diff', 'pin'], {cwd: t.root})
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('--- a/.breyta/releases/pin/v1.edn\tlive (v1)')
    expect(human.stdout).toContain('+++ b/.breyta/flows/pin.edn\tdraft')
    expect(human.stdout).toContain(`-             out   (flow/step :function :mark {:code "(fn [x] x)" :input "A"})]`)
    expect(human.stdout).toContain(`+             out   (flow/step :function :mark {:code "(fn [x] x)" :input "B"})]`)

    const d = await run('flows', 'diff', 'pin')
    expect(d.code).toBe(0)
    expect(d.json.data.from).toMatchObject({target: 'live', version: 1})
    expect(d.json.data.to).toMatchObject({target: 'draft', version: null})
    expect(d.json.data.changed).toBe(true)
    expect(d.json.data.hunks).toHaveLength(1)
    const h = d.json.data.hunks[0]
    expect(Object.keys(h).sort()).toEqual(['lines', 'new-lines', 'new-start', 'old-lines', 'old-start'])
    expect(h.lines.filter((l: string) => l.startsWith('-'))).toEqual([`-             out   (flow/step :function :mark {:code "(fn [x] x)" :input "A"})]`])
    expect(h.lines.filter((l: string) => l.startsWith('+'))).toEqual([`+             out   (flow/step :function :mark {:code "(fn [x] x)" :input "B"})]`])
    expect(d.json.data.unified).toBe(human.stdout)

    const same = await run('flows', 'diff', 'pin', '--from', 'draft', '--to', 'draft')
    expect(same.json.data).toMatchObject({changed: false, hunks: [], unified: ''})
    const bad = await run('flows', 'diff', 'pin', '--from', 'yesterday')
    expect(bad.code).toBe(2)
    expect(bad.json.error.code).toBe('invalid_input')
    const missing = await run('flows', 'diff', 'pin', '--from', '7')
    expect(missing.code).toBe(3)
    expect(missing.json.error.code).toBe('version_not_found')
  })

  it('promote v1 back: new live runs use v1, while a run started on v2 finishes on v2 when resumed', async () => {
    const v2 = await run('flows', 'release', 'pin', '--note', 'marker B')
    expect(v2.json.data).toMatchObject({released: true, version: 2, live: 2})
    expect(git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([
      ' M .breyta/flows/pin.edn',
      ' M .breyta/releases/pin/release.edn',
      '?? .breyta/releases/pin/v2.edn',
    ])

    const parked = await run('flows', 'run', 'pin', '--target', 'live', '--input', '{"park": true}')
    expect(parked.json.data).toMatchObject({status: 'waiting', version: 2})
    const id = parked.json.data.id

    const back = await run('flows', 'promote', 'pin', '--version', '1')
    expect(back.code).toBe(0)
    expect(back.json.data).toMatchObject({slug: 'pin', version: 1, live: 1, previous: 2, changed: true, superseded: []})

    const fresh = await run('flows', 'run', 'pin', '--target', 'live', '--wait')
    expect(fresh.json.data).toMatchObject({version: 1, output: {marker: 'A'}})

    // Change the draft again too: the parked run must not care.
    t.writeFlow('pin', pinFlow('C'))
    const done = await run('waits', 'complete', id, 'gate', '--payload', '{"ok": true}')
    expect(done.code).toBe(0)
    // Without a daemon, completing the wait continues (resumes) the run in that CLI process.
    const resumed = await run('runs', 'show', id)
    expect(resumed.code).toBe(0)
    expect(resumed.json.data).toMatchObject({
      id,
      status: 'completed',
      target: 'live',
      version: 2,
      sha256: v2.json.data.sha256,
      output: {marker: 'B', gate: {ok: true}},
    })
  })

  it('lists versions newest first with the live flag, pages with --before, and shows a version by number', async () => {
    const list = await run('flows', 'versions', 'pin')
    expect(list.code).toBe(0)
    expect(list.json.data.next).toBeNull()
    expect(list.json.data.items.map((v: {version: number; live: boolean; note: string | null}) => [v.version, v.live, v.note])).toEqual([
      [2, false, 'marker B'],
      [1, true, 'first cut'],
    ])
    const page = await run('flows', 'versions', 'pin', '--limit', '1')
    expect(page.json.data.items.map((v: {version: number}) => v.version)).toEqual([2])
    expect(page.json.data.next).toBe('2')
    const rest = await run('flows', 'versions', 'pin', '--limit', '1', '--before', '2')
    expect(rest.json.data.items.map((v: {version: number}) => v.version)).toEqual([1])
    expect(rest.json.data.next).toBeNull()

    const v2 = await run('flows', 'show', 'pin', '--version', '2')
    expect(v2.json.data).toMatchObject({version: 2, target: 'live'})
    expect(v2.json.data.source).toBe(pinFlow('B'))
    const live = await run('flows', 'show', 'pin', '--target', 'live')
    expect(live.json.data.source).toBe(pinFlow('A'))
    const missing = await run('flows', 'promote', 'pin', '--version', '9')
    expect(missing.code).toBe(3)
    expect(missing.json.error).toMatchObject({code: 'version_not_found', details: {versions: [1, 2]}})

    const flows = await run('flows', 'list')
    expect(flows.json.data.items.find((f: {slug: string}) => f.slug === 'pin')).toMatchObject({live: 1, versions: 2})
  })

  it('--no-promote records a version without making it live; diff compares versions', async () => {
    const r = await run('flows', 'release', 'pin', '--no-promote')
    expect(r.json.data).toMatchObject({released: true, version: 3, live: 1, promoted: false})
    const live = await run('flows', 'run', 'pin', '--target', 'live', '--wait')
    expect(live.json.data).toMatchObject({version: 1})
    const d = await run('flows', 'diff', 'pin', '--from', '2', '--to', 'v3')
    expect(d.json.data).toMatchObject({from: {version: 2}, to: {version: 3}, changed: true})
    expect(d.json.data.unified).toContain('--- a/.breyta/releases/pin/v2.edn\tv2')
  })
})
