/** Types for stand-ins.mjs (used by the TypeScript tests through test/helpers/servers/). */
import type http from 'node:http'
import type {ChildProcess} from 'node:child_process'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: string
  json: any
  at: number
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>

export interface FakeServer {
  url: string
  requests: RecordedRequest[]
  /** Replies used (in order) before the handler, one per request. */
  queue: Reply[]
  close(): Promise<void>
}

export function startServer(handler: Handler): Promise<FakeServer>
export function startService(routes: Record<string, (req: RecordedRequest, params: Record<string, string>) => Reply | Promise<Reply>>, options?: {bearer?: string}): Promise<FakeServer>
export function startFakeOpenAi(options: {apiKey: string; reply?: (lastUser: string, req: RecordedRequest) => string; model?: string}): Promise<FakeServer>

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
  /** Terminal types of the pty requests received. */
  ptys: string[]
  /** Resolves once `predicate()` holds, looking again after every signal and command exit. */
  until(predicate: () => boolean): Promise<void>
  /** Running children (their pids are process-group ids). */
  children: Set<ChildProcess>
  close(): Promise<void>
}

export function startSshServer(options: {users: Record<string, SshUser>; cwd?: string; env?: Record<string, string>}): Promise<TestSshServer>
export function generateUserKey(passphrase?: string): {privateKey: string; publicKey: string}
