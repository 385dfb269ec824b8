/**
 * Selecting the store (SPEC §9): config.edn `:store` or BREYTA_STORE_URL. Files stay the
 * default; a bad `:store`, a missing URL secret or a value that is not a PostgreSQL URL is
 * invalid_input (exit 2); an unreachable server is storage_error naming host and port and never
 * the password. On a real PostgreSQL (BREYTA_TEST_PG_URL) commands of two checkouts share runs,
 * and each command exits at once (the pool is closed when it ends: an open one would keep the
 * process alive for its 10 s idle timeout).
 */
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {teamCheckout, teamStore, type TeamStore} from '../helpers/team.js'
import {cli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

const PG_URL = process.env.BREYTA_TEST_PG_URL
const temps: TempWorkspace[] = []
afterEach(() => {
  for (const t of temps.splice(0)) t.cleanup()
})

async function workspace(config: string): Promise<TempWorkspace> {
  const t = await tempWorkspace('breyta-store-select-')
  temps.push(t)
  fs.writeFileSync(path.join(t.root, '.breyta', 'config.edn'), config)
  return t
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

describe('store selection', () => {
  it('files by default and with {:type :files}: runs are files under .breyta/runs', async () => {
    const t = await workspace('{:store {:type :files}}\n')
    t.writeFlow('hi', '{:slug :hi :name "hi" :flow (flow/step :function :f {:code "(fn [x] 1)" :input 0})}')
    const r = await cli(['flows', 'run', 'hi', '--json'], {cwd: t.root, env: {BREYTA_STORE_URL: ''}})
    expect(r.json.ok).toBe(true)
    expect(fs.existsSync(path.join(t.root, '.breyta', 'runs', r.json.data.id))).toBe(true)
  })

  it('a bad :store map, a missing secret, a non-PostgreSQL URL: invalid_input with a hint', async () => {
    const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
      ['{:store {:type :mysql}}', {}, /:store :type must be :files or :postgres, not :mysql/],
      ['{:store "postgres"}', {}, /:store must be a map/],
      ['{:store {:type :postgres :url-secret :team-db :lease "soon"}}', {}, /:store :lease: invalid duration/],
      ['{:store {:type :postgres}}', {}, /names no secret for its URL/],
      ['{:store {:type :postgres :url-secret :team-db}}', {BREYTA_SECRET_TEAM_DB: ''}, /secret "team-db" is not set on this machine/],
      ['{:store {:type :postgres :url-secret :team-db}}', {BREYTA_SECRET_TEAM_DB: 'mysql://u:hunter2@db/x'}, /the secret team-db is not a PostgreSQL URL/],
    ]
    for (const [config, env, message] of cases) {
      const t = await workspace(config)
      const r = await cli(['runs', 'list', '--json'], {cwd: t.root, env: {BREYTA_STORE_URL: '', ...env}})
      expect(r.code, config).toBe(2)
      expect(r.json.error?.code, config).toBe('invalid_input')
      expect(r.json.error?.message, config).toMatch(message)
      expect(r.json.error?.hint, config).toBeTruthy()
      expect(r.stdout + r.stderr).not.toContain('hunter2')
    }
  })

  it('an unreachable server: storage_error naming host and port, never the password', async () => {
    const t = await workspace('{:store {:type :postgres :url-secret :team-db}}\n')
    const port = await closedPort()
    const r = await cli(['runs', 'list', '--json'], {
      cwd: t.root,
      env: {BREYTA_STORE_URL: '', BREYTA_SECRET_TEAM_DB: `postgresql://breyta:hunter2@127.0.0.1:${port}/team`},
    })
    expect(r.code).toBe(1)
    expect(r.json.error).toMatchObject({code: 'storage_error', details: {store: 'postgres', where: `127.0.0.1:${port}/team`}})
    expect(r.json.error?.message).toContain(`127.0.0.1:${port}`)
    expect(r.stdout + r.stderr).not.toContain('hunter2')
    // The same through BREYTA_STORE_URL, with files in config.edn.
    const u = await workspace('{}\n')
    const viaEnv = await cli(['runs', 'list'], {cwd: u.root, env: {BREYTA_STORE_URL: `postgres://breyta:hunter2@127.0.0.1:${port}/team`}})
    expect(viaEnv.code).toBe(1)
    expect(viaEnv.stderr).toContain('storage_error')
    expect(viaEnv.stdout + viaEnv.stderr).not.toContain('hunter2')
  })

  it('commands that never touch run state work before the store is reachable (setting the URL secret itself)', async () => {
    const t = await workspace('{:store {:type :postgres :url-secret :team-db}}\n')
    const r = await cli(['secrets', 'set', 'team-db', '--json'], {
      cwd: t.root,
      env: {BREYTA_STORE_URL: '', BREYTA_SECRET_TEAM_DB: ''},
      input: `postgresql://u:pw@127.0.0.1:${await closedPort()}/x\n`,
    })
    expect(r.json.ok, JSON.stringify(r.json)).toBe(true)
  })
})

describe.skipIf(!PG_URL)('store selection on PostgreSQL (BREYTA_TEST_PG_URL)', () => {
  let store: TeamStore
  afterAll(async () => {
    await store?.drop()
  })

  it('two checkouts share runs through the store; every command exits promptly', async () => {
    store = teamStore(PG_URL!, 'sel')
    const a = await teamCheckout(store)
    const b = await teamCheckout(store)
    temps.push(a, b)
    a.writeFlow(
      'ask',
      `{:slug :ask :name "ask"
 :flow (let [ok (flow/step :wait :approve {:key "approve" :approval {:prompt "go?"}})]
         (flow/step :function :done {:code "(fn [m] {:by (:by m)})" :input ok}))}`,
    )
    const timed = async (args: string[], cwd: string) => {
      const started = Date.now()
      const r = await cli(args, {cwd, env: {BREYTA_STORE_URL: ''}})
      return {...r, ms: Date.now() - started}
    }
    const run = await timed(['flows', 'run', 'ask', '--json'], a.root)
    expect(run.json.data?.status, run.stderr).toBe('waiting')
    const id = run.json.data.id as string
    const listed = await timed(['waits', 'list', '--json'], b.root)
    expect(listed.json.data.items.map((w: {run: string}) => w.run)).toEqual([id])
    const approved = await timed(['waits', 'approve', id, 'approve', '--by', 'ann', '--json'], b.root)
    expect(approved.json.data?.status, approved.stderr).toBe('completed')
    const shown = await timed(['runs', 'show', id, '--json'], a.root)
    expect(shown.json.data.output).toEqual({by: 'ann'})
    for (const r of [run, listed, approved, shown]) expect(r.ms).toBeLessThan(5000)
    for (const c of [a, b]) expect(fs.readdirSync(path.join(c.root, '.breyta', 'runs'))).toEqual([])
  }, 60_000)
})
