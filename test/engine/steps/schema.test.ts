/**
 * The zod layer under step configs and connections: a field that does not parse fails with the
 * message breyta has always used, a field is checked only when read, and a connection field of
 * the wrong kind reads as absent (the step's own message then names it).
 */
import {describe, expect, it} from 'vitest'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {StepConfig} from '../../../src/engine/steps/config.js'
import {connectionAs, httpConnection, llmConnection, sshConnection} from '../../../src/engine/steps/connection-types.js'
import {fields} from '../../../src/engine/steps/schema.js'

const shape = {
  command: fields.textOrTexts,
  port: fields.number.optional(),
  timeout: fields.duration.optional(),
  method: fields.text.optional(),
  'allow-failure': fields.boolean.optional(),
}

function failure(fn: () => unknown): {message: string; hint?: string; retryable?: boolean} {
  try {
    fn()
  } catch (err) {
    return err as {message: string; hint?: string; retryable?: boolean}
  }
  throw new Error('expected a failure')
}

describe('step config fields', () => {
  it('reads typed values: keywords and numbers as text, numeric strings as numbers, durations in ms', () => {
    const c = new StepConfig(emap({command: ['ls', kw('la'), 3], port: '2222', timeout: '1m', method: kw('post')}), 'x', shape)
    expect(c.get('command')).toEqual(['ls', 'la', '3'])
    expect(c.get('port')).toBe(2222)
    expect(c.get('timeout')).toBe(60_000)
    expect(c.get('method')).toBe('post')
    expect(c.get('allow-failure')).toBeUndefined()
  })

  it('fails with the messages and hints the steps always used', () => {
    expect(failure(() => new StepConfig(emap({}), 'x', shape).get('command'))).toMatchObject({
      message: ':x step: missing :command',
      hint: 'Add :command to the step config.',
      retryable: false,
    })
    expect(failure(() => new StepConfig(emap({command: null}), 'x', shape).get('command')).message).toBe(':x step: missing :command')
    expect(failure(() => new StepConfig(emap({port: 'ssh'}), 'x', shape).get('port'))).toMatchObject({
      message: ':x step: :port must be a number',
      hint: 'Fix :port in the step config.',
    })
    expect(failure(() => new StepConfig(emap({command: emap({})}), 'x', shape).get('command')).message).toBe(':x step: :command must be a string')
    expect(failure(() => new StepConfig(emap({command: ['ls', emap({})]}), 'x', shape).get('command')).message).toBe(
      ':x step: :command must be a vector of strings',
    )
    expect(failure(() => new StepConfig(emap({'allow-failure': 'yes'}), 'x', shape).get('allow-failure')).message).toBe(
      ':x step: :allow-failure must be true or false',
    )
    const bad = failure(() => new StepConfig(emap({timeout: 'soon'}), 'x', shape).get('timeout'))
    expect(bad.message).toMatch(/^:x step: :timeout: invalid duration "soon"/)
    expect(bad.hint).toContain('Fix :timeout in the step config (e.g. "30s"')
  })

  it('checks a field only when the step reads it', () => {
    const c = new StepConfig(emap({command: 'true', 'allow-failure': 'yes'}), 'x', shape)
    expect(c.get('command')).toBe('true')
    expect(() => c.get('allow-failure')).toThrow(':allow-failure must be true or false')
  })

  it('keeps the untyped readers on the same rules', () => {
    const c = new StepConfig(emap({n: 'x', 'ok-exit-codes': [0, 256]}), 'x')
    expect(() => c.number('n')).toThrow(':x step: :n must be a number')
    expect(() => c.okExitCodes()).toThrow(':x step: :ok-exit-codes must be a non-empty vector of exit codes')
    expect(c.okExitCodesProblems()).toEqual([':ok-exit-codes must be a non-empty vector of exit codes (integers 0–255), e.g. [0 3]'])
    expect(new StepConfig(emap({'ok-exit-codes': [0, 3n]}), 'x').okExitCodes()).toEqual([0, 3])
    expect(new StepConfig(emap({}), 'x').okExitCodes()).toEqual([0])
  })
})

describe('connection types', () => {
  it('reads a field of the wrong kind as absent, as the steps always did', () => {
    const llm = connectionAs(llmConnection, {name: 'm', type: 'llm', model: 5, provider: '', 'base-url': 'http://x', auth: {'api-key': 'k'}})
    expect(llm).toMatchObject({model: undefined, provider: undefined, 'base-url': 'http://x', auth: {'api-key': 'k'}})
    expect(connectionAs(llmConnection, {name: 'm', type: 'llm', auth: null}).auth).toBeNull()
  })

  it('ssh: host and user may be numbers, port is whatever was written as a number, only string auth slots count', () => {
    const ssh = connectionAs(sshConnection, {
      name: 'vm',
      type: 'ssh',
      host: 10,
      port: '2222',
      user: 'u',
      auth: {password: 'p', basic: {user: 'x'}},
      'host-key': 'SHA256:abc',
    })
    expect(ssh).toMatchObject({host: '10', port: 2222, user: 'u', auth: {password: 'p'}, 'host-key': ['SHA256:abc'], 'insecure-host-key': false})
    expect(connectionAs(sshConnection, {name: 'vm', type: 'ssh', port: null}).port).toBe(0)
    expect(connectionAs(sshConnection, {name: 'vm', type: 'ssh'}).port).toBeUndefined()
  })

  it('http: basic auth without a user is the empty user; headers are text', () => {
    const http = connectionAs(httpConnection, {name: 'api', type: 'http', auth: {basic: {password: 'pw'}}, headers: {'x-n': 1}})
    expect(http.auth?.basic).toEqual({user: '', password: 'pw'})
    expect(http.headers).toEqual({'x-n': '1'})
  })
})
