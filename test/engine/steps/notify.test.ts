import {afterEach, describe, expect, it} from 'vitest'
import {toJson} from '../../../src/engine/edn/json.js'
import {emap, kw} from '../../../src/engine/edn/values.js'
import {notifyStep} from '../../../src/engine/steps/notify.js'
import {StepError, type StepOutcome} from '../../../src/engine/steps/types.js'
import {startServer, type FakeServer} from '../../helpers/servers/http.js'
import {testStepContext} from '../../helpers/step-context.js'

const servers: FakeServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function receiver(status = 200): Promise<FakeServer> {
  const s = await startServer(() => ({status, body: status < 300 ? 'ok' : 'invalid_payload'}))
  servers.push(s)
  return s
}

function out(o: StepOutcome): unknown {
  if (o.kind !== 'done') throw new Error('expected done')
  return toJson(o.output)
}

describe(':notify step', () => {
  it(':http posts JSON to the connection base-url + :path with bearer auth', async () => {
    const s = await receiver()
    const ctx = testStepContext({
      connections: {hooks: {type: 'http', 'base-url': s.url + '/api/', auth: {bearer: 'hook-token'}}},
      secrets: {'hook-token': 't0k'},
    })
    const result = out(await notifyStep.run(emap({channel: kw('http'), connection: kw('hooks'), path: '/notify', message: 'deployed'}), ctx))
    expect(result).toEqual({delivered: true, channel: 'http', status: 200})
    const req = s.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/api/notify')
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers.authorization).toBe('Bearer t0k')
    expect(req.json).toEqual({message: 'deployed'})
  })

  it(':http with :url posts a map message as the JSON body', async () => {
    const s = await receiver()
    const ctx = testStepContext()
    await notifyStep.run(emap({channel: kw('http'), url: s.url + '/x', message: emap({event: kw('done'), n: 2})}), ctx)
    expect(s.requests[0]!.json).toEqual({event: 'done', n: 2})
  })

  it(':slack posts {"text"} to the webhook URL held in a secret, from a template', async () => {
    const s = await receiver()
    const ctx = testStepContext({
      connections: {team: {type: 'slack', 'webhook-secret': 'slack-hook'}},
      secrets: {'slack-hook': s.url + '/services/T000/B000/XXXX'},
      templates: {done: 'Run finished'},
    })
    const result = out(await notifyStep.run(emap({channel: kw('slack'), connection: kw('team'), template: kw('done'), data: emap({})}), ctx))
    expect(result).toEqual({delivered: true, channel: 'slack', status: 200})
    expect(s.requests[0]!.path).toBe('/services/T000/B000/XXXX')
    expect(s.requests[0]!.json).toEqual({text: 'Run finished'})
  })

  it('a non-2xx answer fails the step', async () => {
    const s = await receiver(400)
    const ctx = testStepContext({connections: {team: {type: 'slack', 'webhook-secret': 'h'}}, secrets: {h: s.url + '/hook'}})
    const err = (await notifyStep.run(emap({channel: kw('slack'), connection: kw('team'), message: 'x'}), ctx).catch((e: unknown) => e)) as StepError
    expect(err).toBeInstanceOf(StepError)
    expect(err.message).toMatch(/HTTP 400.*invalid_payload/)
    // The webhook URL is a secret: it must not appear in the message.
    expect(err.message).not.toContain('/hook')
  })

  it(':stdout writes the message to the run log and returns it', async () => {
    const ctx = testStepContext()
    const result = out(await notifyStep.run(emap({channel: kw('stdout'), message: 'hello people'}), ctx))
    expect(result).toEqual({delivered: true, channel: 'stdout', message: 'hello people'})
    expect(ctx.logs).toContain('hello people')
  })

  it('check finds a missing or unknown channel and a missing message', () => {
    expect(notifyStep.check!(emap({}))).toEqual(['missing :channel (:http, :slack or :stdout)', 'needs :message or :template'])
    expect(notifyStep.check!(emap({channel: kw('email'), message: 'x'}))).toEqual(['unknown :channel :email (use :http, :slack or :stdout)'])
    expect(notifyStep.check!(emap({channel: kw('http'), message: 'x'}))).toEqual([':channel :http needs :url or :connection'])
    expect(notifyStep.check!(emap({channel: kw('stdout'), message: 'x'}))).toEqual([])
  })
})
