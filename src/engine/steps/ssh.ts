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
import type {Client, ClientChannel, ConnectConfig} from 'ssh2'
import type * as z from 'zod'
import {lazyRequire} from '../lazy.js'
import {emap, type EdnMap} from '../edn/values.js'
import {envProblems, stepEnv} from './child-env.js'
import {StepConfig} from './config.js'
import {connectionAs, sshConnection} from './connection-types.js'
import {fields, type ConfigShape} from './schema.js'
import {checkHostKey, normalizePin, parseKnownHosts, preferredHostKeyAlgorithms, type HostKeyPolicy, type HostKeyVerdict} from './ssh-host-key.js'
import {done, StepError, type StepContext, type StepExecutor} from './types.js'

const ssh2 = lazyRequire<typeof Ssh2Module>('ssh2')

/** Per stream; the runtime offloads anything over the workspace limit to a resource. */
export const MAX_CAPTURE_BYTES = 50 * 1024 * 1024
const STDERR_TAIL_BYTES = 2048
/** After KILL + close, how long to wait for the server to drop the connection before failing. */
const ABORT_GRACE_MS = 2000

/** The step's config (`:env` is read by child-env, `:ok-exit-codes` by StepConfig). */
const sshConfig = {
  command: fields.textOrTexts,
  connection: fields.text.optional(),
  host: fields.text.optional(),
  port: fields.number.optional(),
  user: fields.text.optional(),
  auth: fields.textMap.optional(),
  'insecure-host-key': fields.boolean.optional(),
  'host-key': fields.textOrTexts.optional(),
  'known-hosts': fields.text.optional(),
  stdin: fields.text.optional(),
  'allow-failure': fields.boolean.optional(),
  pty: fields.boolean.optional(),
} satisfies ConfigShape
type SshConfig = StepConfig<typeof sshConfig>

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

function buildCommand(c: SshConfig, ctx: StepContext): string {
  const words = c.get('command')
  const command = Array.isArray(words) ? words.map(shellQuote).join(' ') : words
  if (command.trim() === '') throw new StepError(':ssh step: :command is empty', {retryable: false})
  const env = stepEnv(c, ctx)
  if (env === undefined || Object.keys(env).length === 0) return command
  const assigns = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new StepError(`:ssh step: :env name "${k}" is not a valid variable name`, {retryable: false})
    return `${k}=${shellQuote(v)}`
  })
  return `export ${assigns.join(' ')}; ${command}`
}

type SshConnection = z.output<ReturnType<typeof sshConnection>>

const AUTH_SLOTS = ['private-key', 'password', 'passphrase']

/** The connection's :auth slots, overridden slot by slot by the step's. */
function authSlots(c: SshConfig, conn: SshConnection | undefined): Record<string, string> {
  return {...conn?.auth, ...c.get('auth')}
}

/** The step's :host-key pins (a string or a vector), else the connection's. */
function hostKeyPins(c: SshConfig, conn: SshConnection | undefined): string[] {
  const pins = c.get('host-key')
  if (pins === undefined) return conn?.['host-key'] ?? []
  return Array.isArray(pins) ? pins : [pins]
}

function hostKeyPolicy(c: SshConfig, conn: SshConnection | undefined, workspaceRoot: string): HostKeyPolicy {
  const insecure = c.get('insecure-host-key') ?? conn?.['insecure-host-key'] === true
  if (insecure) return {kind: 'insecure'}
  const pins = hostKeyPins(c, conn)
  if (pins.length > 0) {
    const fingerprints = pins.map((p) => {
      const fp = normalizePin(p)
      if (fp === undefined)
        throw new StepError(`:ssh step: :host-key "${p}" is not an OpenSSH fingerprint`, {
          retryable: false,
          hint: 'Use the form "SHA256:…" as printed by `ssh-keygen -lf` or `ssh-keyscan HOST | ssh-keygen -lf -`.',
        })
      return fp
    })
    return {kind: 'pinned', fingerprints}
  }
  const configured = c.get('known-hosts') ?? conn?.['known-hosts']
  const file = configured === undefined ? path.join(homedir(), '.ssh', 'known_hosts') : path.resolve(workspaceRoot, configured)
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // No known_hosts: every host is unknown, and the error says how to pin one.
  }
  return {kind: 'known-hosts', file, entries: parseKnownHosts(text)}
}

function sshConnectionOf(c: SshConfig, ctx: StepContext): SshConnection | undefined {
  const connName = c.get('connection')
  if (connName === undefined) return undefined
  const conn = ctx.connection(connName)
  if (conn.type !== 'ssh') throw new StepError(`:ssh step: connection :${connName} is a :${conn.type} connection, not :ssh`, {retryable: false})
  return connectionAs(sshConnection, conn)
}

/** Step keys win over the connection's; host, port and user end up in the one place they are checked. */
function address(c: SshConfig, conn: SshConnection | undefined): {host: string; port: number; user: string} {
  const host = c.get('host') ?? conn?.host
  if (host === undefined) throw new StepError(':ssh step: missing :host (or a :connection that has one)', {retryable: false})
  const port = c.get('port') ?? conn?.port ?? 22
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StepError(`:ssh step: :port ${port} is not a TCP port`, {retryable: false})
  const user = c.get('user') ?? conn?.user
  if (user === undefined) throw new StepError(':ssh step: missing :user (or a :connection that has one)', {retryable: false})
  return {host, port, user}
}

function credentials(c: SshConfig, conn: SshConnection | undefined, ctx: StepContext): Pick<Target, 'password' | 'privateKey' | 'passphrase'> {
  const slots = authSlots(c, conn)
  for (const slot of Object.keys(slots)) {
    if (!AUTH_SLOTS.includes(slot))
      throw new StepError(`:ssh step: unknown :auth slot :${slot}`, {
        retryable: false,
        hint: 'Use {:private-key SECRET} (optionally :passphrase SECRET) or {:password SECRET}.',
      })
  }
  if (slots['private-key'] === undefined && slots.password === undefined) {
    throw new StepError(':ssh step: no credentials', {
      retryable: false,
      hint: 'Add :auth {:private-key :my-key} or {:password :my-pass} naming secrets (`breyta secrets set NAME`).',
    })
  }
  const secret = (slot: string): string | undefined => (slots[slot] === undefined ? undefined : ctx.secret(slots[slot]))
  return {privateKey: secret('private-key'), passphrase: secret('passphrase'), password: secret('password')}
}

function resolveTarget(c: SshConfig, ctx: StepContext): Target {
  const conn = sshConnectionOf(c, ctx)
  return {...address(c, conn), ...credentials(c, conn, ctx), hostKey: hostKeyPolicy(c, conn, ctx.workspaceRoot)}
}

function hostKeyError(t: Target, v: Extract<HostKeyVerdict, {ok: false}>): StepError {
  const where = `${t.host}:${t.port}`
  const message =
    v.reason === 'unknown'
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
    if ((ch.outgoing?.state === 'open' || ch.outgoing?.state === 'eof') && typeof ch.outgoing.id === 'number' && ch._client?._protocol?.signal)
      ch._client._protocol.signal(ch.outgoing.id, 'KILL')
    else channel.signal('KILL')
  } catch {
    // the channel is already gone
  }
}

interface RemoteOptions {
  stdin: string | undefined
  signal: AbortSignal
  pty: boolean
  onOutput: StepContext['output']
}

/**
 * Where a session is: connecting → exec requested → streaming (the channel is ours). What an
 * abort must do depends on it: before exec, end the connection; while the exec reply is in
 * flight, wait for the channel and stop it on arrival (the command may already run remotely);
 * once streaming, KILL and close the channel.
 */
type Phase = {name: 'connecting'} | {name: 'exec-requested'} | {name: 'streaming'; channel: ClientChannel}

/**
 * One command over one ssh connection. It settles once: with the result when the channel
 * closes, or with the first failure (connect, auth, host key, exec, a dropped connection, abort).
 */
class RemoteSession {
  private readonly conn: Client = new (ssh2().Client)()
  private readonly out = new Capture()
  private readonly err = new Capture()
  private phase: Phase = {name: 'connecting'}
  /** Once aborting, only the abort path may settle: the channel/connection closes it causes must not be reported as a normal exit or a dropped connection. */
  private aborting = false
  private settled = false
  private verdict: HostKeyVerdict | undefined
  private exitCode: number | null = null
  private exitSignal: string | null = null
  private settleWith: (outcome: {result: RemoteResult} | {error: StepError}) => void = () => {}

  constructor(
    private readonly t: Target,
    private readonly command: string,
    private readonly o: RemoteOptions,
  ) {}

  run(): Promise<RemoteResult> {
    return new Promise((resolve, reject) => {
      this.settleWith = (outcome) => ('result' in outcome ? resolve(outcome.result) : reject(outcome.error))
      if (this.o.signal.aborted) {
        this.aborting = true
        return this.settle({error: new StepError(`ssh: not started: ${abortReason(this.o.signal)}`, {details: {aborted: true}})}, true)
      }
      this.o.signal.addEventListener('abort', this.onAbort, {once: true})
      this.conn.on('ready', () => this.requestExec())
      this.conn.on('error', (e: Error & {level?: string}) => this.settle({error: this.connectError(e)}))
      this.conn.on('close', () => this.settle({error: new StepError(`ssh: connection to ${this.t.host}:${this.t.port} closed before the command finished`)}))
      this.connect()
    })
  }

  private settle(outcome: {result: RemoteResult} | {error: StepError}, fromAbort = false): void {
    if (this.settled || (this.aborting && !fromAbort)) return
    this.settled = true
    this.o.signal.removeEventListener('abort', this.onAbort)
    this.settleWith(outcome)
  }

  private connect(): void {
    const t = this.t
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
        this.verdict = checkHostKey(t.hostKey, t.host, t.port, key)
        return this.verdict.ok
      },
      ...(serverHostKey === undefined ? {} : {algorithms: {serverHostKey}}),
    }
    try {
      this.conn.connect(config)
    } catch (e) {
      // ssh2 throws synchronously for e.g. an unparseable private key.
      this.settle({
        error: new StepError(`ssh: ${e instanceof Error ? e.message : String(e)}`, {
          retryable: false,
          hint: 'Check the private key secret (OpenSSH or PEM format) and its :passphrase.',
        }),
      })
    }
  }

  private connectError(e: Error & {level?: string}): StepError {
    const t = this.t
    if (this.verdict !== undefined && !this.verdict.ok) return hostKeyError(t, this.verdict)
    if (e.level === 'client-authentication') {
      return new StepError(`ssh: authentication failed for ${t.user}@${t.host}:${t.port}`, {
        retryable: false,
        hint: 'Check the secret named in :auth and that its public key is in the remote authorized_keys.',
      })
    }
    return new StepError(`ssh: cannot connect to ${t.host}:${t.port}: ${e.message}`, {cause: e})
  }

  private requestExec(): void {
    this.phase = {name: 'exec-requested'}
    this.conn.exec(this.command, this.o.pty ? {pty: true} : {}, (e, ch) => {
      if (this.aborting) return e ? this.conn.end() : this.stopChannel(ch)
      if (e) return this.settle({error: new StepError(`ssh: could not start the command on ${this.t.host}: ${e.message}`, {cause: e})})
      this.stream(ch)
    })
  }

  private stream(ch: ClientChannel): void {
    this.phase = {name: 'streaming', channel: ch}
    ch.on('data', (d: Buffer) => {
      this.out.push(d)
      this.o.onOutput('stdout', d)
    })
    ch.stderr.on('data', (d: Buffer) => {
      this.err.push(d)
      this.o.onOutput('stderr', d)
    })
    ch.on('exit', (code: number | null, sig?: string) => {
      this.exitCode = typeof code === 'number' ? code : null
      this.exitSignal = sig ?? null
    })
    ch.on('close', () => {
      this.conn.end()
      this.settle({result: this.result()})
    })
    // Always send EOF so a command that reads stdin does not wait forever.
    if (this.o.stdin === undefined) ch.end()
    else ch.end(this.o.stdin)
  }

  private result(): RemoteResult {
    return {
      exitCode: this.exitCode,
      signal: this.exitSignal,
      stdout: this.out.text(),
      stderr: this.err.text(),
      truncated: {stdout: this.out.dropped, stderr: this.err.dropped},
    }
  }

  private readonly onAbort = (): void => {
    if (this.settled || this.aborting) return
    this.aborting = true
    const t = this.t
    const reason = abortReason(this.o.signal)
    const fail = (): void =>
      this.settle(
        {
          error: new StepError(`ssh: ${t.user}@${t.host}:${t.port} command stopped: ${reason}; the remote command was sent KILL and its channel closed`, {
            details: {aborted: true, reason},
          }),
        },
        true,
      )
    const timer = setTimeout(() => {
      this.conn.destroy()
      fail()
    }, ABORT_GRACE_MS)
    this.conn.once('close', () => {
      clearTimeout(timer)
      fail()
    })
    if (this.phase.name === 'streaming') this.stopChannel(this.phase.channel)
    // The command may already run remotely while its channel is on its way back to us (a
    // loaded machine): the exec callback stops it on arrival. Ending now would leave it running.
    else if (this.phase.name === 'connecting') this.conn.end()
  }

  /** Signal first (OpenSSH >= 7.9 delivers it), then close: without a pty, closing alone would leave the remote process running. */
  private stopChannel(ch: ClientChannel): void {
    sendKill(ch)
    try {
      ch.close()
    } catch {
      /* already closed */
    }
    this.conn.end()
  }
}

function runRemote(t: Target, command: string, options: RemoteOptions): Promise<RemoteResult> {
  return new RemoteSession(t, command, options).run()
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
    const c = new StepConfig(config, 'ssh', sshConfig)
    const command = buildCommand(c, ctx)
    const target = resolveTarget(c, ctx)
    const stdin = c.get('stdin')
    const allowFailure = c.get('allow-failure') ?? false
    const r = await runRemote(target, command, {stdin, signal: ctx.signal, pty: c.get('pty') ?? false, onOutput: ctx.output})
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
