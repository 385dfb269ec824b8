import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {emap, field, kw, type EdnMap, type Value} from '../../../src/engine/edn/values.js'
import {shellQuote, sshStep} from '../../../src/engine/steps/ssh.js'
import {stepExecutor} from '../../../src/engine/steps/registry.js'
import {generateUserKey, startSshServer, type TestSshServer} from '../../helpers/servers/ssh.js'
import {testStepContext, type TestContextOptions} from '../../helpers/step-context.js'

let server: TestSshServer
let dir: string
const userKey = generateUserKey()
const lockedKey = generateUserKey('key-pass-123')

beforeAll(async () => {
  server = await startSshServer({
    users: {
      agent: {password: 'pw-correct-horse', publicKey: userKey.publicKey},
      keyed: {publicKey: lockedKey.publicKey},
    },
  })
  dir = await mkdtemp(path.join(tmpdir(), 'breyta-ssh-'))
})
afterAll(async () => {
  await server.close()
  await rm(dir, {recursive: true, force: true})
})

const SECRETS = {
  'vm-pass': 'pw-correct-horse',
  'vm-key': userKey.privateKey,
  'locked-key': lockedKey.privateKey,
  'locked-pass': 'key-pass-123',
  'bad-pass': 'nope-nope',
}

function config(extra: Record<string, Value>): EdnMap {
  return emap({host: server.host, port: server.port, user: 'agent', auth: emap({password: kw('vm-pass')}), 'host-key': server.fingerprint, ...extra})
}

async function run(cfg: EdnMap, options: TestContextOptions = {}) {
  const ctx = testStepContext({secrets: SECRETS, workspaceRoot: dir, ...options})
  const outcome = await sshStep.run(cfg, ctx)
  if (outcome.kind !== 'done') throw new Error('expected done')
  return {output: outcome.output as EdnMap, ctx}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe(':ssh step against an in-process ssh2 server', () => {
  it('is registered', () => {
    expect(stepExecutor('ssh')).toBe(sshStep)
  })

  it('returns exit code, stdout and stderr (password auth)', async () => {
    const {output} = await run(config({command: 'echo hello; echo oops >&2; exit 0'}))
    expect(field(output, 'exit-code')).toBe(0)
    expect(field(output, 'signal')).toBe(null)
    expect(field(output, 'stdout')).toBe('hello\n')
    expect(field(output, 'stderr')).toBe('oops\n')
  })

  it('fails on a non-zero exit with the exit code and stderr tail, unless :allow-failure', async () => {
    const err = await run(config({command: 'echo boom >&2; exit 7'})).catch((e: unknown) => e)
    expect(err).toMatchObject({code: 'step_failed', retryable: true, details: {'exit-code': 7, 'stderr-tail': 'boom\n'}})
    expect((err as Error).message).toContain('exited with code 7: boom')
    const {output} = await run(config({command: 'exit 7', 'allow-failure': true}))
    expect(field(output, 'exit-code')).toBe(7)
  })

  it('authenticates with a private key (and with a passphrase-protected one)', async () => {
    const {output} = await run(config({auth: emap({'private-key': kw('vm-key')}), command: 'whoami >/dev/null; echo key-ok'}))
    expect(field(output, 'stdout')).toBe('key-ok\n')
    const locked = await run(config({user: 'keyed', auth: emap({'private-key': kw('locked-key'), passphrase: kw('locked-pass')}), command: 'echo locked-ok'}))
    expect(field(locked.output, 'stdout')).toBe('locked-ok\n')
    expect(locked.ctx.usedSecrets.has('key-pass-123')).toBe(true)
  })

  it('rejects a wrong password as a non-retryable failure', async () => {
    const err = await run(config({auth: emap({password: kw('bad-pass')}), command: 'true'})).catch((e: unknown) => e)
    expect(err).toMatchObject({code: 'step_failed', retryable: false})
    expect((err as Error).message).toContain('authentication failed')
  })

  it('passes stdin, env and vector commands (shell-quoted)', async () => {
    const {output} = await run(
      config({
        command: ['sh', '-c', 'printf "%s|%s|" "$GREETING" "$1"; cat', 'arg0', "it's $HOME"],
        env: emap({GREETING: "hi 'there'"}),
        stdin: 'from stdin',
      }),
    )
    expect(field(output, 'stdout')).toBe(`hi 'there'|it's $HOME|from stdin`)
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`)
  })

  it('passes a secret to the remote env on purpose ({:secret :name}), nothing of the local env', async () => {
    const ctx = testStepContext({secrets: {...SECRETS, 'api-key': 'remote-api-key-1'}, workspaceRoot: dir})
    const before = server.commands.length
    const {output} = (await sshStep.run(config({command: 'printf "%s" "$API_KEY"', env: emap({API_KEY: emap({secret: kw('api-key')})})}), ctx)) as {
      output: EdnMap
    }
    expect(field(output, 'stdout')).toBe('remote-api-key-1')
    expect(ctx.usedSecrets).toContain('remote-api-key-1')
    expect(server.commands[before]).not.toContain('BREYTA_')
    expect(sshStep.check(emap({host: 'h', command: 'x', env: emap({K: emap({nope: 1})})}))).toEqual([':env "K" must be a string or {:secret :name}'])
  })

  it(':pty true asks the server for a terminal (sshd then hangs the command up with its session)', async () => {
    const before = server.ptys.length
    await run(config({command: 'true', pty: true}))
    expect(server.ptys.length).toBe(before + 1)
    await run(config({command: 'true'}))
    expect(server.ptys.length).toBe(before + 1)
  })

  it('reports a signal that killed the remote command', async () => {
    const {output} = await run(config({command: 'kill -TERM $$', 'allow-failure': true}))
    expect(field(output, 'exit-code')).toBe(null)
    expect(field(output, 'signal')).toBe('SIGTERM')
  })

  it('returns a 5 MB stdout intact', async () => {
    const big = randomBytes(3_932_160).toString('base64') // 5 MiB of text
    const file = path.join(dir, 'big.txt')
    await writeFile(file, big)
    const {output} = await run(config({command: `cat ${shellQuote(file)}`}))
    expect((field(output, 'stdout') as string).length).toBe(5 * 1024 * 1024)
    expect(field(output, 'stdout') === big).toBe(true)
  })

  it('gives its output to the step context as it arrives, before the command ends', async () => {
    const release = path.join(dir, 'release-ssh')
    const ctx = testStepContext({secrets: SECRETS, workspaceRoot: dir})
    const seen: string[] = []
    let onFirst: () => void = () => {}
    const first = new Promise<void>((resolve) => (onFirst = resolve))
    ctx.output = (stream, chunk) => {
      seen.push(`${stream}:${chunk.toString()}`)
      if (seen.join('').includes('first')) onFirst()
    }
    let ended = false
    const pending = sshStep
      .run(config({command: `echo first; while [ ! -e ${shellQuote(release)} ]; do sleep 0.05; done; echo second >&2`}), ctx)
      .finally(() => (ended = true))
    await first
    // The command waits for the release file: the line came while it still ran.
    expect(ended).toBe(false)
    await writeFile(release, '')
    const outcome = await pending
    expect(seen.join('')).toBe('stdout:first\nstderr:second\n')
    expect(field(outcome.kind === 'done' ? (outcome.output as EdnMap) : emap({}), 'stdout')).toBe('first\n')
  })

  it('on abort (timeout) kills the remote command and fails clearly', async () => {
    const pidFile = path.join(dir, 'sleeper.pid')
    const ac = new AbortController()
    const started = Date.now()
    const pending = run(config({command: `echo $$ > ${shellQuote(pidFile)}; exec sleep 30`}), {signal: ac.signal}).catch((e: unknown) => e)
    let pid = 0
    for (let i = 0; i < 100 && pid === 0; i++) {
      await new Promise((r) => setTimeout(r, 50))
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || 0
    }
    expect(alive(pid)).toBe(true)
    ac.abort(new Error('step timed out after 1s'))
    const err = await pending
    expect(err).toMatchObject({code: 'step_failed', details: {aborted: true}})
    expect((err as Error).message).toContain('step timed out after 1s')
    expect(Date.now() - started).toBeLessThan(10_000)
    // The server records the signal on this same event loop, maybe after the step failed: wait
    // for it (and for the command to exit) rather than read the list at once.
    await server.until(() => server.signals.includes('KILL'))
    await server.until(() => !alive(pid))
    expect(server.signals).toContain('KILL')
    expect(alive(pid)).toBe(false)
  })

  it('rejects an unknown host key with a hint showing the fingerprint to pin', async () => {
    const knownHosts = path.join(dir, 'empty_known_hosts')
    await writeFile(knownHosts, '')
    const cfg = config({command: 'echo should-not-run', 'known-hosts': knownHosts})
    cfg.delete(kw('host-key'))
    const before = server.commands.length
    const err = await run(cfg).catch((e: unknown) => e)
    expect(err).toMatchObject({code: 'step_failed', retryable: false, details: {fingerprint: server.fingerprint, reason: 'unknown'}})
    expect((err as {hint: string}).hint).toContain(`:host-key "${server.fingerprint}"`)
    expect(server.commands.length).toBe(before)
  })

  it('rejects a pinned fingerprint that does not match', async () => {
    const err = await run(config({command: 'true', 'host-key': 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'})).catch((e: unknown) => e)
    expect(err).toMatchObject({retryable: false, details: {reason: 'mismatch'}})
    expect((err as Error).message).toContain('does not match')
  })

  it('accepts known_hosts entries: [host]:port, hashed, and refuses a different key', async () => {
    const {createHmac} = await import('node:crypto')
    const kh = path.join(dir, 'known_hosts')
    const noPin = (extra: Record<string, Value>) => {
      const cfg = config({command: 'echo known', 'known-hosts': kh, ...extra})
      cfg.delete(kw('host-key'))
      return cfg
    }
    await writeFile(kh, `# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey\n${server.knownHostsLine()}\n`)
    expect(field((await run(noPin({}))).output, 'stdout')).toBe('known\n')
    const salt = randomBytes(20)
    const hash = createHmac('sha1', salt).update(`[127.0.0.1]:${server.port}`).digest('base64')
    await writeFile(kh, `|1|${salt.toString('base64')}|${hash} ${server.hostPublicKey}\n`)
    expect(field((await run(noPin({}))).output, 'stdout')).toBe('known\n')
    const other = generateUserKey().publicKey.split(' ').slice(0, 2).join(' ')
    await writeFile(kh, `[127.0.0.1]:${server.port} ${other}\n`)
    const err = await run(noPin({})).catch((e: unknown) => e)
    expect(err).toMatchObject({retryable: false, details: {reason: 'mismatch'}})
  })

  it(':insecure-host-key true skips the check only when set explicitly', async () => {
    const cfg = config({command: 'echo insecure', 'insecure-host-key': true, 'known-hosts': path.join(dir, 'none')})
    cfg.delete(kw('host-key'))
    expect(field((await run(cfg)).output, 'stdout')).toBe('insecure\n')
  })

  it('takes host, port, user, auth and host key from an :ssh connection; step keys override', async () => {
    const connections = {vm: {type: 'ssh', host: '127.0.0.1', port: server.port, user: 'nobody', auth: {password: 'vm-pass'}, 'host-key': server.fingerprint}}
    const {output, ctx} = await run(emap({connection: kw('vm'), user: 'agent', command: 'echo via-connection'}), {connections})
    expect(field(output, 'stdout')).toBe('via-connection\n')
    expect(ctx.usedSecrets.has('pw-correct-horse')).toBe(true)
    const err = await run(emap({connection: kw('web'), command: 'true'}), {connections: {web: {type: 'http'}}}).catch((e: unknown) => e)
    expect((err as Error).message).toContain('not :ssh')
  })

  it('check() reports missing keys', () => {
    expect(sshStep.check!(emap({}))).toEqual(['missing :command', 'missing :host (or :connection)'])
    expect(sshStep.check!(emap({connection: kw('vm'), command: 'ls'}))).toEqual([])
  })
})
