import {createHmac, randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {checkHostKey, fingerprintOf, hostMatches, normalizePin, parseKnownHosts, preferredHostKeyAlgorithms} from '../../../src/engine/steps/ssh-host-key.js'

const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), randomBytes(32)])
const b64 = blob.toString('base64')

describe('ssh host keys', () => {
  it('formats and normalizes OpenSSH fingerprints', () => {
    const fp = fingerprintOf(blob)
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(normalizePin(fp + '=')).toBe(fp)
    expect(normalizePin(`ssh-ed25519 ${b64} me@host`)).toBe(fp)
    expect(normalizePin('md5:aa:bb')).toBeUndefined()
  })

  it('matches host patterns like OpenSSH', () => {
    expect(hostMatches('example.com,10.0.0.5', '10.0.0.5', 22)).toBe(true)
    expect(hostMatches('10.0.0.5', '10.0.0.5', 2222)).toBe(false)
    expect(hostMatches('[10.0.0.5]:2222', '10.0.0.5', 2222)).toBe(true)
    expect(hostMatches('*.example.com,!bad.example.com', 'vm.EXAMPLE.com', 22)).toBe(true)
    expect(hostMatches('*.example.com,!bad.example.com', 'bad.example.com', 22)).toBe(false)
    const salt = randomBytes(20)
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('vm.local').digest('base64')}`
    expect(hostMatches(hashed, 'vm.local', 22)).toBe(true)
    expect(hostMatches(hashed, 'other.local', 22)).toBe(false)
  })

  it('checks keys against known_hosts, honouring @revoked', () => {
    const entries = parseKnownHosts(`# c\nvm ssh-ed25519 ${b64}\n@revoked old ssh-ed25519 ${b64}\nrsa-host ssh-rsa AAAAB3NzaC1yc2E=\n`)
    const policy = {kind: 'known-hosts' as const, file: 'kh', entries}
    expect(checkHostKey(policy, 'vm', 22, blob)).toEqual({ok: true})
    expect(checkHostKey(policy, 'old', 22, blob)).toMatchObject({ok: false, reason: 'revoked'})
    expect(checkHostKey(policy, 'new', 22, blob)).toMatchObject({ok: false, reason: 'unknown', keyType: 'ssh-ed25519'})
    expect(checkHostKey(policy, 'rsa-host', 22, blob)).toMatchObject({ok: false, reason: 'mismatch'})
    expect(preferredHostKeyAlgorithms(policy, 'rsa-host', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
    expect(preferredHostKeyAlgorithms(policy, 'nowhere', 22)).toBeUndefined()
    expect(checkHostKey({kind: 'pinned', fingerprints: [fingerprintOf(blob)]}, 'x', 22, blob)).toEqual({ok: true})
    expect(checkHostKey({kind: 'insecure'}, 'x', 22, blob)).toEqual({ok: true})
  })
})
