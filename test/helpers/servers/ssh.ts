/**
 * A real SSH server for tests: ssh2's Server on 127.0.0.1:<random>, running each exec request
 * with /bin/sh in its own process group. Password and public-key auth, env requests, stdin,
 * exit codes, signals (the `signal` channel request and channel close both kill the group).
 * Never call execFileSync while it runs: the server lives on the test's event loop.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {createHash, timingSafeEqual} from 'node:crypto'
import type {AddressInfo} from 'node:net'
import ssh2 from 'ssh2'

const {Server, utils} = ssh2

export interface SshUser {
  password?: string
  /** OpenSSH public key line (`ssh-ed25519 AAAA…`). */
  publicKey?: string
}

export interface TestSshServer {
  host: string
  port: number
  /** `SHA256:…` of the host key, as OpenSSH prints it. */
  fingerprint: string
  /** `ssh-ed25519 AAAA…` of the host key. */
  hostPublicKey: string
  /** A known_hosts line for this server (`[127.0.0.1]:PORT ssh-ed25519 AAAA…`). */
  knownHostsLine(): string
  /** Commands received, in order. */
  commands: string[]
  /** Env requests received, per exec, in order. */
  envs: Record<string, string>[]
  /** Signals received by name (e.g. `KILL`). */
  signals: string[]
  /** Running children (their pids are process-group ids). */
  children: Set<ChildProcess>
  close(): Promise<void>
}

export function generateUserKey(passphrase?: string): {privateKey: string; publicKey: string} {
  const pair = passphrase === undefined
    ? utils.generateKeyPairSync('ed25519')
    : utils.generateKeyPairSync('ed25519', {passphrase, cipher: 'aes256-ctr', rounds: 16})
  return {privateKey: pair.private, publicKey: pair.public}
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

export async function startSshServer(options: {users: Record<string, SshUser>}): Promise<TestSshServer> {
  const hostKey = utils.generateKeyPairSync('ed25519')
  const parsedHost = utils.parseKey(hostKey.public)
  if (parsedHost instanceof Error) throw parsedHost
  const hostBlob = parsedHost.getPublicSSH()
  const fingerprint = 'SHA256:' + createHash('sha256').update(hostBlob).digest('base64').replace(/=+$/, '')
  const commands: string[] = []
  const envs: Record<string, string>[] = []
  const signals: string[] = []
  const children = new Set<ChildProcess>()
  const connections = new Set<ssh2.Connection>()

  const server = new Server({hostKeys: [hostKey.private]}, (client) => {
    connections.add(client)
    client.on('close', () => connections.delete(client))
    client.on('error', () => {})
    client.on('authentication', (ctx) => {
      const user = options.users[ctx.username]
      if (user === undefined) return ctx.reject()
      if (ctx.method === 'password' && user.password !== undefined && safeEqual(ctx.password, user.password)) return ctx.accept()
      if (ctx.method === 'publickey' && user.publicKey !== undefined) {
        const allowed = utils.parseKey(user.publicKey)
        if (allowed instanceof Error) return ctx.reject()
        const blob = allowed.getPublicSSH()
        if (ctx.key.algo !== allowed.type || ctx.key.data.length !== blob.length || !timingSafeEqual(ctx.key.data, blob)) return ctx.reject()
        // No signature yet: the client only asks whether this key would do.
        if (ctx.signature === undefined) return ctx.accept()
        if (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept()
      }
      return ctx.reject(['password', 'publickey'])
    })
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession()
        const env: Record<string, string> = {}
        let child: ChildProcess | undefined
        // ssh2's Server ignores every channel request after the client's EOF (it marks the
        // session as ending); OpenSSH's sshd still honours `signal` then, and a client that
        // sent stdin and EOF must still be able to kill its command. Undo the mark.
        session.on('eof', () => { (session as unknown as {_ending: boolean})._ending = false })
        session.on('env', (accept, _reject, info) => {
          env[info.key] = info.val
          accept?.()
        })
        session.on('signal', (accept, _reject, info) => {
          signals.push(info.name)
          accept?.()
          if (child) killGroup(child, `SIG${info.name}` as NodeJS.Signals)
        })
        session.on('exec', (accept, _reject, info) => {
          commands.push(info.command)
          envs.push({...env})
          const channel = accept()
          const proc = spawn('/bin/sh', ['-c', info.command], {env: {...process.env, ...env}, detached: true, stdio: 'pipe'})
          child = proc
          children.add(proc)
          proc.stdin.on('error', () => {})
          channel.pipe(proc.stdin)
          proc.stdout.pipe(channel, {end: false})
          proc.stderr.pipe(channel.stderr, {end: false})
          // A client that goes away takes its command with it.
          channel.on('close', () => killGroup(proc, 'SIGKILL'))
          proc.on('close', (code, signal) => {
            children.delete(proc)
            try {
              if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '')
              else channel.exit(code ?? 0)
              channel.end()
            } catch {
              // channel already closed by the client
            }
          })
        })
      })
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  const hostPublicKey = `${parsedHost.type} ${hostBlob.toString('base64')}`
  return {
    host: '127.0.0.1',
    port,
    fingerprint,
    hostPublicKey,
    knownHostsLine: () => `[127.0.0.1]:${port} ${hostPublicKey}`,
    commands,
    envs,
    signals,
    children,
    async close() {
      for (const c of children) killGroup(c, 'SIGKILL')
      for (const c of connections) c.end()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
