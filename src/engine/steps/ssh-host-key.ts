/**
 * Host-key checking for the :ssh step, the OpenSSH way: a pinned `SHA256:…` fingerprint, or
 * the user's known_hosts (plain, `[host]:port`, wildcard and hashed `|1|salt|hash` entries,
 * `@revoked` honoured). Kept apart from ssh.ts because it is pure parsing and comparison.
 */
import {createHash, createHmac, timingSafeEqual} from 'node:crypto'
import type {ServerHostKeyAlgorithm} from 'ssh2'

/** OpenSSH's fingerprint format: `SHA256:` + base64 of sha256(key blob) without padding. */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/**
 * A pin as written in a flow or connections.edn: `SHA256:…` (padding optional) or a whole
 * public key line (`ssh-ed25519 AAAA… [comment]`), both reduced to a fingerprint.
 */
export function normalizePin(pin: string): string | undefined {
  const s = pin.trim()
  const fp = /^SHA256:([A-Za-z0-9+/]+)=*$/.exec(s)
  if (fp) return 'SHA256:' + fp[1]
  const line = /^(ssh-|ecdsa-)\S+\s+([A-Za-z0-9+/]+=*)/.exec(s)
  if (line) return fingerprintOf(Buffer.from(line[2]!, 'base64'))
  return undefined
}

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority'
  patterns: string
  keyType: string
  key: Buffer
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    const marker = fields[0] === '@revoked' ? 'revoked' : fields[0] === '@cert-authority' ? 'cert-authority' : undefined
    if (marker !== undefined) fields.shift()
    const [patterns, keyType, key] = fields
    if (patterns === undefined || keyType === undefined || key === undefined) continue
    out.push({marker, patterns, keyType, key: Buffer.from(key, 'base64')})
  }
  return out
}

/** The name known_hosts stores for a host: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  )
  return re.test(name)
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, kind, salt, hash] = pattern.split('|')
  if (kind !== '1' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest()
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** OpenSSH semantics: any negated match excludes, otherwise any positive match includes. */
export function hostMatches(patterns: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port)
  if (patterns.startsWith('|')) return hashedMatch(patterns, name)
  let matched = false
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false
    } else if (globMatch(p, name)) {
      matched = true
    }
  }
  return matched
}

/** Host-key algorithms that ssh2 understands for each known_hosts key type. */
const ALGORITHMS_FOR_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
}

export type HostKeyPolicy = {kind: 'pinned'; fingerprints: string[]} | {kind: 'known-hosts'; file: string; entries: KnownHostEntry[]} | {kind: 'insecure'}

export type HostKeyVerdict = {ok: true} | {ok: false; reason: 'unknown' | 'mismatch' | 'revoked'; fingerprint: string; keyType: string}

/** The key type inside an SSH public key blob (a length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const len = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + len).toString('latin1')
}

export function checkHostKey(policy: HostKeyPolicy, host: string, port: number, blob: Buffer): HostKeyVerdict {
  const fingerprint = fingerprintOf(blob)
  const keyType = keyTypeOf(blob)
  if (policy.kind === 'insecure') return {ok: true}
  if (policy.kind === 'pinned') {
    return policy.fingerprints.includes(fingerprint) ? {ok: true} : {ok: false, reason: 'mismatch', fingerprint, keyType}
  }
  const forHost = policy.entries.filter((e) => e.marker !== 'cert-authority' && hostMatches(e.patterns, host, port))
  if (forHost.some((e) => e.marker === 'revoked' && e.key.equals(blob))) return {ok: false, reason: 'revoked', fingerprint, keyType}
  const keys = forHost.filter((e) => e.marker === undefined)
  if (keys.some((e) => e.key.equals(blob))) return {ok: true}
  return {ok: false, reason: keys.length === 0 ? 'unknown' : 'mismatch', fingerprint, keyType}
}

/**
 * Ask the server for a key type we already know for this host, as OpenSSH does; otherwise a
 * server with several host keys may present one that known_hosts does not list.
 */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): ServerHostKeyAlgorithm[] | undefined {
  if (policy.kind !== 'known-hosts') return undefined
  const types = new Set(policy.entries.filter((e) => e.marker === undefined && hostMatches(e.patterns, host, port)).map((e) => e.keyType))
  const algos = [...types].flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? [])
  return algos.length === 0 ? undefined : algos
}
