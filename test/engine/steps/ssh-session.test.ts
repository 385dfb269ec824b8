/**
 * The ssh session's phases against a server that holds the exec reply until the test lets it
 * go: an abort while the reply is in flight must still KILL the command once its channel
 * arrives (it may already run remotely).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import ssh2 from 'ssh2'
import type {Connection as ServerConnection, ServerChannel} from 'ssh2'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {sshStep} from '../../../src/engine/steps/ssh.js'
import {generateUserKey} from '../../helpers/servers/ssh.js'
import {testStepContext} from '../../helpers/step-context.js'

interface HeldExec {
  command: string
  /** Send the exec reply (the channel) now. */
  release(): ServerChannel
}

let server: ssh2.Server
let port = 0
const clients = new Set<ServerConnection>()
/** Exec requests the server has not answered yet, in arrival order. */
const held: HeldExec[] = []
const signals: string[] = []
const waiters: (() => void)[] = []

function changed(): void {
  for (const w of waiters.splice(0)) w()
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve))
}

beforeAll(async () => {
  server = new ssh2.Server({hostKeys: [generateUserKey().privateKey]}, (client) => {
    clients.add(client)
    client.on('close', () => clients.delete(client))
    client.on('error', () => {})
    client.on('authentication', (ctx) => (ctx.method === 'password' && ctx.password === 'pw' ? ctx.accept() : ctx.reject(['password'])))
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession()
        session.on('signal', (accept, _reject, info) => {
          signals.push(info.name)
          accept?.()
          changed()
        })
        session.on('exec', (accept, _reject, info) => {
          held.push({command: info.command, release: () => accept()})
          changed()
        })
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  port = typeof address === 'object' && address !== null ? address.port : 0
})

afterAll(async () => {
  for (const c of clients) c.end()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function config(command: string) {
  return emap({host: '127.0.0.1', port, user: 'u', auth: emap({password: kw('pass')}), 'insecure-host-key': true, command})
}

describe(':ssh session phases', () => {
  it('an abort while the exec reply is in flight sends KILL once the channel arrives', async () => {
    const ac = new AbortController()
    const ctx = testStepContext({secrets: {pass: 'pw'}, signal: ac.signal})
    const pending = sshStep.run(config('in-flight'), ctx).catch((e: unknown) => e)
    await until(() => held.some((h) => h.command === 'in-flight'))
    ac.abort(new Error('step timed out after 1s'))
    // The command may already run remotely: the channel, once back, must be sent KILL.
    held.find((h) => h.command === 'in-flight')!.release()
    await until(() => signals.includes('KILL'))
    const err = await pending
    expect(err).toMatchObject({code: 'step_failed', details: {aborted: true, reason: 'step timed out after 1s'}})
    expect((err as Error).message).toContain('the remote command was sent KILL')
  })

  it('a step aborted before it starts fails at once and requests nothing', async () => {
    const ac = new AbortController()
    ac.abort(new Error('cancelled by user'))
    const ctx = testStepContext({secrets: {pass: 'pw'}, signal: ac.signal})
    const err = await sshStep.run(config('never'), ctx).catch((e: unknown) => e)
    expect(err).toMatchObject({code: 'step_failed', details: {aborted: true}})
    expect((err as Error).message).toBe('ssh: not started: cancelled by user')
    expect(held.some((h) => h.command === 'never')).toBe(false)
  })
})
