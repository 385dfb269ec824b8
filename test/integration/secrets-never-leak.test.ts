/**
 * Secrets never leak (SPEC §4). A flow resolves two secrets (one from BREYTA_SECRET_*, one from
 * secrets.edn) in an http step, parks on an approval, is approved while a real daemon runs (the
 * daemon continues it in a fresh advance), then an http step echoes the auth headers back and an
 * exec step prints its whole environment (and, as a careless agent might, secrets.edn, with a
 * secret no step resolved: only the workspace-wide redactor knows it). Afterwards `grep -r` of the workspace, the daemon's log
 * and every captured CLI output finds none of the values, their basic-auth base64, nor two
 * secrets no step used; and the exec child saw no BREYTA_SECRET_* variable.
 */
import {execFile} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readRunView} from '../../src/engine/index.js'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {cli, tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let captures: string
let server: http.Server
const seen: {authorization?: string; key?: string}[] = []

beforeEach(async () => {
  t = await tempWorkspace('breyta-secrets-')
  captures = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-secrets-out-'))
  seen.length = 0
  server = http.createServer((req, res) => {
    const echo = {authorization: req.headers.authorization, key: req.headers['x-api-key'] as string | undefined}
    seen.push(echo)
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(echo))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
})
afterEach(async () => {
  await killDaemons()
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  t.cleanup()
  fs.rmSync(captures, {recursive: true, force: true})
})

const secret = (label: string) => `${label}-${crypto.randomBytes(9).toString('hex')}`

/** `grep -r -F` for each value; the lines that match (empty when none does). */
function grep(values: string[], dirs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'grep',
      ['-r', '-F', '-n', '--exclude=secrets.edn', ...values.flatMap((v) => ['-e', v]), ...dirs],
      {maxBuffer: 64 * 1024 * 1024},
      (err, stdout) => {
        if (err && (err as {code?: number}).code !== 1) return reject(err)
        resolve(stdout)
      },
    )
  })
}

describe('secrets', () => {
  it('appear in no run file, daemon log or CLI output, before or after an approval continued by the daemon', async () => {
    const envToken = secret('env-token')
    const filePass = secret('file-pass')
    const unusedFile = secret('unused-file')
    const unusedEnv = secret('unused-env')
    const env = {BREYTA_SECRET_API_TOKEN: envToken, BREYTA_SECRET_NEVER_USED: unusedEnv}
    for (const [name, value] of [
      ['api-pass', filePass],
      ['spare', unusedFile],
    ]) {
      expect((await cli(['secrets', 'set', name!, '--json'], {cwd: t.root, input: value})).json.ok).toBe(true)
    }
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    fs.writeFileSync(
      path.join(t.root, '.breyta', 'connections.edn'),
      `{:api {:type :http :base-url "${url}"
       :auth {:basic {:user "alice" :password :api-pass} :header {:name "x-api-key" :value :api-token}}}}\n`,
    )
    t.writeFlow(
      'leaky',
      `{:slug :leaky :name "Leaky"
 :flow (let [before (flow/step :http :before {:connection :api :path "/echo"})
             ok (flow/step :wait :go {:key "go" :approval {:prompt "Go?"}})
             echo (flow/step :http :echo {:connection :api :path "/echo"})
             shown (flow/step :exec :env {:command ["sh" "-c" "env; echo \\"token=$API_TOKEN pass=$PASS\\"; cat .breyta/secrets.edn"]
                                          :env {"API_TOKEN" {:secret :api-token} "PASS" {:secret :api-pass}}})]
         {:before (:body before) :echo (:body echo) :env (:stdout shown)})}
`,
    )
    const outputs: Record<string, string> = {}
    const capture = async (name: string, args: string[]) => {
      const r = await cli(args, {cwd: t.root, env})
      outputs[name] = r.stdout + r.stderr
      return r
    }

    // Starts in this CLI, resolves both secrets, parks on the approval.
    // An input that carries a secret (a pasted token) is journaled redacted too.
    const started = await capture('flows-run', ['flows', 'run', 'leaky', '--input', JSON.stringify({note: `pasted ${unusedEnv}`}), '--json'])
    const id = started.json.data.id as string
    expect(started.json.data.status).toBe('waiting')

    const daemon = await spawnDaemon(t.root, {env: {...env, BREYTA_DEBUG: '1'}})
    const approved = await capture('waits-approve', ['waits', 'approve', id, 'go', '--json'])
    expect(approved.json.data['continued-in']).toBe('daemon')
    await until(() => readRunView(t.ws.layout, id).status === 'completed', 30_000, 20)
    const shown = await capture('daemon-run-view', ['runs', 'show', id, '--json'])
    const viaHttp = await fetch(shown.json.data['status-url'])
    outputs['daemon-http'] = await viaHttp.text()
    expect(viaHttp.status, outputs['daemon-http']).toBe(200)
    expect(JSON.parse(outputs['daemon-http']).data.output.echo).toEqual({authorization: 'Basic ***', key: '***'})
    await daemon.stop()
    fs.writeFileSync(path.join(captures, 'daemon.log'), daemon.stdout() + daemon.stderr())

    for (const [name, args] of Object.entries({
      show: ['runs', 'show', id],
      'show-json': ['runs', 'show', id, '--json'],
      'show-steps': ['runs', 'show', id, '--steps'],
      'show-steps-json': ['runs', 'show', id, '--steps', '--json'],
      logs: ['runs', 'logs', id],
      'logs-json': ['runs', 'logs', id, '--json'],
      list: ['runs', 'list'],
      'list-json': ['runs', 'list', '--json'],
    }))
      await capture(name, args)
    for (const [name, text] of Object.entries(outputs)) fs.writeFileSync(path.join(captures, `${name}.txt`), text)

    // The secrets were really used: the server got them, and the child got exactly the two passed on purpose.
    const basic = Buffer.from(`alice:${filePass}`).toString('base64')
    expect(seen).toHaveLength(2)
    for (const s of seen) expect(s).toEqual({authorization: `Basic ${basic}`, key: envToken})
    const view = JSON.parse(outputs['show-json']!).data
    expect(view.output.echo).toEqual({authorization: 'Basic ***', key: '***'})
    expect(view.input).toEqual({note: 'pasted ***'})
    expect(view.output.env).toContain('token=*** pass=***')
    expect(view.output.env).toContain(':spare "***"')
    // Of breyta's own variables the child sees only the two it is given (the daemon had BREYTA_DEBUG and two secrets).
    expect(
      (view.output.env as string)
        .split('\n')
        .filter((l) => l.startsWith('BREYTA_'))
        .map((l) => l.split('=')[0])
        .sort(),
    ).toEqual(['BREYTA_RUN_ID', 'BREYTA_STEP_ID'])
    expect(view.steps.find((s: {id: string}) => s.id === 'env').input.env).toEqual({API_TOKEN: {secret: 'api-token'}, PASS: {secret: 'api-pass'}})

    const found = await grep([envToken, filePass, unusedFile, unusedEnv, basic], [t.root, captures])
    expect(found).toBe('')
    // The daemon log is not empty (BREYTA_DEBUG), so the grep above looked at something.
    expect(fs.readFileSync(path.join(captures, 'daemon.log'), 'utf8')).toContain(id)
  }, 180_000)

  it('refuses a value too short to redact, in `secrets set` and when a step resolves it', async () => {
    const set = await cli(['secrets', 'set', 'pin', '--value', 'abc12', '--json'], {cwd: t.root})
    expect(set.json).toMatchObject({ok: false, error: {code: 'invalid_input', hint: expect.stringContaining('6 characters')}})
    expect(set.stdout + set.stderr).not.toContain('abc12')
    t.writeFlow(
      'short',
      `{:slug :short :name "Short"
 :flow (flow/step :exec :e {:command ["true"] :env {"PIN" {:secret :pin}}})}
`,
    )
    const r = await cli(['flows', 'run', 'short', '--wait', '--json'], {cwd: t.root, env: {BREYTA_SECRET_PIN: 'abc12'}})
    expect(r.json).toMatchObject({ok: false, error: {code: 'run_failed'}})
    expect(r.json.error!.message).toContain('too short to redact')
  })
})
