import {describe, expect, it} from 'vitest'
import {emap, kw, List, Tagged} from '../../../src/engine/edn/values.js'
import {BreytaError} from '../../../src/engine/errors.js'
import {assertRedactable, MIN_SECRET_LENGTH, Redactor} from '../../../src/engine/runtime/redact.js'
import {workspaceRedactor} from '../../../src/engine/runtime/workspace-redactor.js'
import {tempWorkspace} from '../../helpers/workspace.js'
import {StepError} from '../../../src/engine/steps/types.js'

describe('Redactor', () => {
  const r = new Redactor().add('s3cr3t-token').add('abc').add('s3cr3t')

  it('replaces secret values in strings, longest first, and ignores values under 6 chars', () => {
    expect(r.string('Bearer s3cr3t-token and s3cr3t; abc stays')).toBe('Bearer *** and ***; abc stays')
    // Each value with its base64 form (URL- and JSON-encoded forms are the same here).
    expect(r.size).toBe(4)
  })

  it('redacts the encoded forms a value takes on its way out', () => {
    const q = new Redactor().add('p@ss "w/rd"\nline2')
    expect(q.string(`url?k=${encodeURIComponent('p@ss "w/rd"\nline2')}`)).toBe('url?k=***')
    expect(q.string(JSON.stringify({k: 'p@ss "w/rd"\nline2'}))).toBe('{"k":"***"}')
    expect(q.string(Buffer.from('p@ss "w/rd"\nline2').toString('base64'))).toBe('***')
    const basic = new Redactor().addBasicAuth('alice', 'hunter22')
    expect(basic.string(`Authorization: Basic ${Buffer.from('alice:hunter22').toString('base64')}`)).toBe('Authorization: Basic ***')
  })

  it('refuses a value too short to redact, naming the secret and never the value', () => {
    expect(() => assertRedactable('pin', 'abcde')).toThrow(
      expect.objectContaining({code: 'invalid_input', message: expect.stringContaining(`shorter than ${MIN_SECRET_LENGTH}`)}),
    )
    expect(() => assertRedactable('pin', 'abcde')).toThrow(expect.not.objectContaining({message: expect.stringContaining('abcde')}))
    expect(assertRedactable('pin', 'abcdef')).toBe('abcdef')
  })

  it('redacts deep inside EDN values (keys too) without touching other data', () => {
    const v = emap({
      headers: emap({authorization: 'Bearer s3cr3t-token'}),
      items: [1, 'x s3cr3t', new Set(['s3cr3t']), new List(['s3cr3t-token']), new Tagged('t', 's3cr3t')],
      kw: kw('ok'),
      s3cr3t: 5,
    })
    const out = r.value(v)
    expect(JSON.stringify(out, (_k, x) => (x instanceof Map ? [...x] : x instanceof Set ? [...x] : x))).not.toContain('s3cr3t')
    expect(((out as Map<unknown, unknown>).get(kw('headers')) as Map<unknown, unknown>).get(kw('authorization'))).toBe('Bearer ***')
    expect((out as Map<unknown, unknown>).get(kw('kw'))).toBe(kw('ok'))
    expect((out as Map<unknown, unknown>).get(kw('***'))).toBe(5)
  })

  it('redacts deep inside JSON', () => {
    expect(r.json({a: [{b: 'url?key=s3cr3t-token'}], s3cr3t: null, n: 1})).toEqual({a: [{b: 'url?key=***'}], '***': null, n: 1})
  })

  it('redacts URL-encoded forms', () => {
    const r2 = new Redactor().add('p@ss word')
    expect(r2.string('https://x/?p=p%40ss%20word')).toBe('https://x/?p=***')
  })

  it('redacts errors and keeps code and retryable', () => {
    const err = new StepError('auth failed with s3cr3t-token', {retryable: false, hint: 'check s3cr3t', details: {stderr: ['s3cr3t-token leaked']}})
    const red = r.error(err)
    expect(red).toBeInstanceOf(BreytaError)
    expect(red.toJSON()).toEqual({code: 'step_failed', message: 'auth failed with ***', hint: 'check ***', details: {stderr: ['*** leaked']}})
    expect((red as unknown as {retryable: boolean}).retryable).toBe(false)
    expect(red.stack ?? '').not.toContain('s3cr3t')
  })

  it('is a no-op without secrets', () => {
    const v = emap({a: 's3cr3t'})
    expect(new Redactor().value(v)).toBe(v)
  })

  it('forks: a fork starts with the values and adds its own without adding them to its origin or to other forks', () => {
    const base = new Redactor().add('base-secret')
    const a = base.fork().add('run-a-secret')
    const b = base.fork()
    expect(a.string('base-secret run-a-secret')).toBe('*** ***')
    expect(b.string('base-secret run-a-secret')).toBe('*** run-a-secret')
    expect(base.string('base-secret run-a-secret')).toBe('*** run-a-secret')
    base.add('added-to-origin')
    expect(b.string('added-to-origin')).toBe('added-to-origin')
    expect(base.string('added-to-origin')).toBe('***')
  })
})

describe('workspaceRedactor', () => {
  it('keeps what it built for a frozen environment only while secrets.edn and connections.edn stay the same', async () => {
    const t = await tempWorkspace()
    try {
      const env = Object.freeze({BREYTA_SECRET_FROM_ENV: 'env-secret-1234'})
      const first = workspaceRedactor(t.ws.local, env)
      first.add('resolved-by-one-run')
      const second = workspaceRedactor(t.ws.local, env)
      expect(second.string('env-secret-1234 resolved-by-one-run')).toBe('*** resolved-by-one-run')
      await t.ws.local.setSecret('in-file', 'file-secret-5678')
      expect(workspaceRedactor(t.ws.local, env).string('env-secret-1234 file-secret-5678')).toBe('*** ***')
      // An environment that can change is read each time.
      const open: NodeJS.ProcessEnv = {BREYTA_SECRET_A: 'first-value-1'}
      expect(workspaceRedactor(t.ws.local, open).string('first-value-1')).toBe('***')
      open.BREYTA_SECRET_B = 'second-value-2'
      expect(workspaceRedactor(t.ws.local, open).string('second-value-2')).toBe('***')
    } finally {
      t.cleanup()
    }
  })
})
