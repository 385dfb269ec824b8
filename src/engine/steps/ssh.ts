/**
 * `:ssh` — run one command on a remote machine with ssh2 (SPEC §4).
 *
 * Config: `:host` `:port` (22) `:user`, or `:connection` naming an `:ssh` connection that
 * supplies them (step keys win); `:auth {:private-key SECRET :passphrase SECRET}` or
 * `{:password SECRET}` (secret names, resolved through ctx.secret so they get redacted);
 * `:command` (a string for the remote shell, or a vector that is shell-quoted word by word);
 * `:env` (map); `:stdin` (string); `:allow-failure`; host keys via `:host-key "SHA256:…"`,
 * `:known-hosts FILE` (default ~/.ssh/known_hosts) or `:insecure-host-key true`.
 * Output: `{:exit-code :signal :stdout :stderr}`, and each line as it arrives in the step's live log
 * (ctx.output). Agent forwarding is never requested.
 *
 * The remote command and this process: on a timeout or cancel the step sends KILL (OpenSSH >=
 * 7.9 delivers it) and closes the channel. If this process dies (kill -9, power), the server
 * only sees the connection drop: without a pty, OpenSSH signals nothing and the command runs on
 * until it ends or writes to its closed output (SIGPIPE). `:pty true` asks for a terminal, and
 * sshd then hangs up (SIGHUP) the command when the session goes; the price is a terminal's
 * output (stderr merged into stdout, CRLF line ends) and no EOF on stdin.
 *
 * `:env` (values are strings or `{:secret :name}`, resolved when the step runs; nothing of the
 * local environment is sent) is sent as `export K='v';` in front of the command rather than as SSH env requests:
 * OpenSSH servers silently drop env requests not listed in AcceptEnv (by default all but
 * LANG/LC_*), and silently missing variables are worse than visible ones.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'
import type Ssh2Module from 'ssh2'
import type {ClientChannel, ConnectConfig} from 'ssh2'
import {lazyRequire} from '../lazy.js'
import {emap, type EdnMap} from '../edn/values.js'
import {envProblems, stepEnv} from './child-env.js'
import {StepConfig} from './config.js'
import {checkHostKey, normalizePin, parseKnownHosts, preferredHostKeyAlgorithms, type HostKeyPolicy, type HostKeyVerdict} from './ssh-host-key.js'
import {done, StepError, type Connection, type StepContext, type StepExecutor} from './types.js'

const ssh2 = lazyRequire<typeof Ssh2Module>('ssh2')

/** Per stream; the runtime offloads anything over the workspace limit to a resource. */
export const MAX_CAPTURE_BYTES = 50 * 1024 * 1024
const STDERR_TAIL_BYTES = 2048
/** After KILL + close, how long to wait for the server to drop the connection before failing. */
const ABORT_GRACE_MS = 2000

interface Target {
  host: string
  port: number
  user: string
  password?: string
  privateKey?: string
  passphrase?: string
  hostKey: HostKeyPolicy
}

interface RemoteResult {
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  truncated: {stdout: number; stderr: number}
}

/** POSIX single-quoting: safe for any byte string except NUL. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

function buildCommand(c: StepConfig, ctx: StepContext): string {
  const raw = c.value('command')
  const command = Array.isArray(raw) ? (c.strings('command') ?? []).map(shellQuote).join(' ') : c.requireString('command')
  if (command.trim() === '') throw new StepError(':ssh step: :command is empty', {retryable: false})
  const env = stepEnv(c, ctx)
  if (env === undefined || Object.keys(env).length === 0) return command
  const assigns = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new StepError(`:ssh step: :env name "${k}" is not a valid variable name`, {retryable: false})
    return `${k}=${shellQuote(v)}`
  })
  return `export ${assigns.join(' ')}; ${command}`
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
}

function authSlots(c: StepConfig, conn: Connection | undefined): Record<string, string> {
  const fromConn = conn?.auth !== undefined && typeof conn.auth === 'object' && conn.auth !== null ? (conn.auth as Record<string, unknown>) : {}
  const merged: Record<string, string> = {}
  for (const [k, v] of Object.entries(fromConn)) if (typeof v === 'string') merged[k] = v
  return {...merged, ...(c.stringMap('auth') ?? {})}
}

function hostKeyPolicy(c: StepConfig, conn: Connection | undefined, workspaceRoot: string): HostKeyPolicy {
  const insecure = c.boolean('insecure-host-key') ?? (conn?.['insecure-host-key'] === true)
  if (insecure) return {kind: 'insecure'}
  const rawPins = c.value('host-key') === undefined ? conn?.['host-key'] : Array.isArray(c.value('host-key')) ? c.strings('host-key') : c.requireString('host-key')
  const pins = rawPins === undefined ? [] : Array.isArray(rawPins) ? rawPins.map(String) : [String(rawPins)]
  if (pins.length > 0) {
    const fingerprints = pins.map((p) => {
      const fp = normalizePin(p)
      if (fp === undefined) throw new StepError(`:ssh step: :host-key "${p}" is not an OpenSSH fingerprint`, {retryable: false, hint: 'Use the form "SHA256:…" as printed by `ssh-keygen -lf` or `ssh-keyscan HOST | ssh-keygen -lf -`.'})
      return fp
    })
    return {kind: 'pinned', fingerprints}
  }
  const configured = c.string('known-hosts') ?? str(conn?.['known-hosts'])
  const file = configured === undefined ? path.join(homedir(), '.ssh', 'known_hosts') : path.resolve(workspaceRoot, configured)
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // No known_hosts: every host is unknown, and the error says how to pin one.
  }
  return {kind: 'known-hosts', file, entries: parseKnownHosts(text)}
}

function resolveTarget(c: StepConfig, ctx: StepContext): Target {
  const connName = c.string('connection')
  const conn = connName === undefined ? undefined : ctx.connection(connName)
  if (conn !== undefined && conn.type !== 'ssh') {
    throw new StepError(`:ssh step: connection :${connName} is a :${conn.type} connection, not :ssh`, {retryable: false})
  }
  const host = c.string('host') ?? str(conn?.host)
  if (host === undefined) throw new StepError(':ssh step: missing :host (or a :connection that has one)', {retryable: false})
  const port = c.number('port') ?? (conn?.port === undefined ? 22 : Number(conn.port))
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StepError(`:ssh step: :port ${port} is not a TCP port`, {retryable: false})
  const user = c.string('user') ?? str(conn?.user)
  if (user === undefined) throw new StepError(':ssh step: missing :user (or a :connection that has one)', {retryable: false})
  const slots = authSlots(c, conn)
  for (const slot of Object.keys(slots)) {
    if (!['private-key', 'password', 'passphrase'].includes(slot)) throw new StepError(`:ssh step: unknown :auth slot :${slot}`, {retryable: false, hint: 'Use {:private-key SECRET} (optionally :passphrase SECRET) or {:password SECRET}.'})
  }
  if (slots['private-key'] === undefined && slots.password === undefined) {
    throw new StepError(':ssh step: no credentials', {retryable: false, hint: 'Add :auth {:private-key :my-key} or {:password :my-pass} naming secrets (`breyta secrets set NAME`).'})
  }
  return {
    host,
    port,
    user,
    privateKey: slots['private-key'] === undefined ? undefined : ctx.secret(slots['private-key']),
    passphrase: slots.passphrase === undefined ? undefined : ctx.secret(slots.passphrase),
    password: slots.password === undefined ? undefined : ctx.secret(slots.password),
    hostKey: hostKeyPolicy(c, conn, ctx.workspaceRoot),
  }
}

function hostKeyError(t: Target, v: Extract<HostKeyVerdict, {ok: false}>): StepError {
  const where = `${t.host}:${t.port}`
  const message = v.reason === 'unknown'
    ? `ssh: host key of ${where} is unknown (${v.keyType} ${v.fingerprint})`
    : v.reason === 'revoked'
      ? `ssh: host key of ${where} is revoked in known_hosts (${v.fingerprint})`
      : `ssh: host key of ${where} does not match the expected key (got ${v.keyType} ${v.fingerprint}); someone may be intercepting the connection`
  const source = t.hostKey.kind === 'known-hosts' ? ` or add it to ${t.hostKey.file} (ssh-keyscan -p ${t.port} ${t.host})` : ''
  return new StepError(message, {
    retryable: false,
    hint: `If this key is right, pin it with :host-key "${v.fingerprint}" in the step or connection${source}.`,
    details: {host: t.host, port: t.port, fingerprint: v.fingerprint, 'key-type': v.keyType, reason: v.reason},
  })
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason
  if (r instanceof Error && r.name !== 'AbortError') return r.message
  if (typeof r === 'string' && r !== '') return r
  return 'timed out or cancelled'
}

/** Collects a stream up to the cap, counting what it had to drop. */
class Capture {
  private chunks: Buffer[] = []
  private kept = 0
  dropped = 0
  push(chunk: Buffer): void {
    const room = MAX_CAPTURE_BYTES - this.kept
    if (room <= 0) {
      this.dropped += chunk.length
      return
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(part)
    this.kept += part.length
    this.dropped += chunk.length - part.length
  }
  // Decode once at the end so a multi-byte character split across chunks stays intact.
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * ssh2's `channel.signal()` is a no-op once the channel is no longer writable, which it never
 * is here because stdin got EOF right after exec (state 'eof'). The request is still valid SSH (it does not
 * use the data stream), so send it through the protocol object the way signal() itself does.
 */
function sendKill(channel: ClientChannel): void {
  const ch = channel as unknown as {outgoing?: {id?: number; state?: string}; _client?: {_protocol?: {signal?(id: number, name: string): void}}}
  try {
    if ((ch.outgoing?.state === 'open' || ch.outgoing?.state === 'eof') && typeof ch.outgoing.id === 'number' && ch._client?._protocol?.signal) ch._client._protocol.signal(ch.outgoing.id, 'KILL')
    else channel.signal('KILL')
  } catch {
    // the channel is already gone
  }
}

function runRemote(t: Target, command: string, stdin: string | undefined, signal: AbortSignal, pty: boolean, onOutput: StepContext['output']): Promise<RemoteResult> {
  return new Promise((resolve, reject) => {
    const conn = new (ssh2().Client)()
    const out = new Capture()
    const err = new Capture()
    let verdict: HostKeyVerdict | undefined
    let channel: ClientChannel | undefined
    let execRequested = false
    let exitCode: number | null = null
    let exitSignal: string | null = null
    let settled = false
    // Once aborting, only the abort path may settle: the channel/connection closes it causes
    // must not be reported as a normal exit or a dropped connection.
    let aborting = false
    const finish = (fn: () => void, fromAbort = false): void => {
      if (settled || (aborting && !fromAbort)) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      fn()
    }
    function onAbort(): void {
      if (settled || aborting) return
      aborting = true
      const reason = abortReason(signal)
      const fail = (): void => finish(() => reject(new StepError(`ssh: ${t.user}@${t.host}:${t.port} command stopped: ${reason}; the remote command was sent KILL and its channel closed`, {details: {aborted: true, reason}})), true)
      const timer = setTimeout(() => { conn.destroy(); fail() }, ABORT_GRACE_MS)
      conn.once('close', () => { clearTimeout(timer); fail() })
      if (channel !== undefined) stopChannel(channel)
      // The command may already run remotely while its channel is on its way back to us (a
      // loaded machine): the exec callback stops it on arrival. Ending now would leave it running.
      else if (!execRequested) conn.end()
    }
    /** Signal first (OpenSSH >= 7.9 delivers it), then close: without a pty, closing alone would leave the remote process running. */
    function stopChannel(ch: ClientChannel): void {
      sendKill(ch)
      try { ch.close() } catch { /* already closed */ }
      conn.end()
    }
    if (signal.aborted) {
      aborting = true
      return finish(() => reject(new StepError(`ssh: not started: ${abortReason(signal)}`, {details: {aborted: true}})), true)
    }
    signal.addEventListener('abort', onAbort, {once: true})

    conn.on('ready', () => {
      execRequested = true
      conn.exec(command, pty ? {pty: true} : {}, (e, ch) => {
        if (aborting) return e ? conn.end() : stopChannel(ch)
        if (e) return finish(() => reject(new StepError(`ssh: could not start the command on ${t.host}: ${e.message}`, {cause: e})))
        channel = ch
        ch.on('data', (d: Buffer) => { out.push(d); onOutput('stdout', d) })
        ch.stderr.on('data', (d: Buffer) => { err.push(d); onOutput('stderr', d) })
        ch.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null
          exitSignal = sig ?? null
        })
        ch.on('close', () => {
          conn.end()
          finish(() => resolve({exitCode, signal: exitSignal, stdout: out.text(), stderr: err.text(), truncated: {stdout: out.dropped, stderr: err.dropped}}))
        })
        // Always send EOF so a command that reads stdin does not wait forever.
        if (stdin === undefined) ch.end()
        else ch.end(stdin)
      })
    })
    conn.on('error', (e: Error & {level?: string}) => {
      finish(() => {
        if (verdict !== undefined && !verdict.ok) return reject(hostKeyError(t, verdict))
        if (e.level === 'client-authentication') {
          return reject(new StepError(`ssh: authentication failed for ${t.user}@${t.host}:${t.port}`, {retryable: false, hint: 'Check the secret named in :auth and that its public key is in the remote authorized_keys.'}))
        }
        reject(new StepError(`ssh: cannot connect to ${t.host}:${t.port}: ${e.message}`, {cause: e}))
      })
    })
    conn.on('close', () => finish(() => reject(new StepError(`ssh: connection to ${t.host}:${t.port} closed before the command finished`))))

    const serverHostKey = preferredHostKeyAlgorithms(t.hostKey, t.host, t.port)
    const config: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      password: t.password,
      privateKey: t.privateKey,
      passphrase: t.passphrase,
      agentForward: false,
      tryKeyboard: false,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      hostVerifier: (key: Buffer) => {
        verdict = checkHostKey(t.hostKey, t.host, t.port, key)
        return verdict.ok
      },
      ...(serverHostKey === undefined ? {} : {algorithms: {serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey']}}),
    }
    try {
      conn.connect(config)
    } catch (e) {
      // ssh2 throws synchronously for e.g. an unparseable private key.
      finish(() => reject(new StepError(`ssh: ${(e as Error).message}`, {retryable: false, hint: 'Check the private key secret (OpenSSH or PEM format) and its :passphrase.'})))
    }
  })
}

function tail(s: string, bytes: number): string {
  return s.length <= bytes ? s : s.slice(-bytes)
}

export const sshStep: StepExecutor = {
  type: 'ssh',

  check(config: EdnMap): string[] {
    const c = new StepConfig(config, 'ssh')
    const problems: string[] = []
    if (!c.has('command')) problems.push('missing :command')
    if (!c.has('host') && !c.has('connection')) problems.push('missing :host (or :connection)')
    return [...problems, ...c.okExitCodesProblems(), ...envProblems(config)]
  },

  async run(config, ctx) {
    const c = new StepConfig(config, 'ssh')
    const command = buildCommand(c, ctx)
    const target = resolveTarget(c, ctx)
    const stdin = c.string('stdin')
    const allowFailure = c.boolean('allow-failure') ?? false
    const r = await runRemote(target, command, stdin, ctx.signal, c.boolean('pty') ?? false, ctx.output)
    if (r.truncated.stdout > 0 || r.truncated.stderr > 0) {
      ctx.log(`ssh: output over ${MAX_CAPTURE_BYTES} bytes was dropped (stdout ${r.truncated.stdout}, stderr ${r.truncated.stderr} bytes)`)
    }
    const output = emap({'exit-code': r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr})
    const okCodes = c.okExitCodes()
    const failed = r.exitCode === null || !okCodes.includes(r.exitCode)
    if (failed && !allowFailure) {
      const how = r.signal !== null ? `was killed by ${r.signal}` : r.exitCode === null ? 'ended without an exit status' : `exited with code ${r.exitCode}`
      const lastLine = r.stderr.trimEnd().split('\n').pop()?.slice(0, 200) ?? ''
      throw new StepError(`ssh: command on ${target.host} ${how}${lastLine ? ': ' + lastLine : ''}`, {
        hint: 'Set :allow-failure true to get the output of a failing command instead, or list the exit codes that mean success in :ok-exit-codes (e.g. [0 3]).',
        details: {'exit-code': r.exitCode, signal: r.signal, 'stderr-tail': tail(r.stderr, STDERR_TAIL_BYTES)},
      })
    }
    const truncated = r.truncated.stdout > 0 || r.truncated.stderr > 0
    return done(output, truncated ? {truncated: r.truncated} : undefined)
  },
}
