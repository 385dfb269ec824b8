/**
 * One idempotency key per step (SPEC §5): an http step whose first attempt gets a 500, whose
 * second attempt is sent but its process is killed (kill -9) before the answer is journaled,
 * and which `runs resume` then sends a third time, carries the same `Idempotency-Key` on
 * every request; only `Breyta-Attempt` counts up.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, readRunEvents} from '../../src/engine/index.js'
import {cli, spawnCli, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let server: http.Server
const requests: {key: string | undefined; attempt: string | undefined}[] = []
/** Called when a request arrives; the test decides its fate. */
let onRequest: (n: number, res: http.ServerResponse) => void

beforeEach(async () => {
  t = await tempWorkspace('breyta-idem-')
  requests.length = 0
  server = http.createServer((req, res) => {
    requests.push({key: req.headers['idempotency-key'] as string | undefined, attempt: req.headers['breyta-attempt'] as string | undefined})
    req.resume()
    req.on('end', () => onRequest(requests.length, res))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  t.cleanup()
})

describe('idempotency key', () => {
  it('is the same on a retried attempt and on the attempt re-sent after a crash between send and journal', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charge`
    t.writeFlow(
      'charge',
      `{:slug :charge :name "Charge"
 :flow (flow/step :http :charge {:url "${url}" :method :post :json {:amount 5} :retry {:max-attempts 5 :backoff "10ms"}})}
`,
    )
    const run = await createRun(t.ws, {slug: 'charge'})
    const resume = spawnCli(['runs', 'resume', run.id, '--json'], {cwd: t.root})
    const exited = new Promise((r) => resume.once('exit', r))
    // 1st request: a 500 (retryable). 2nd: the process is killed while the request is in flight.
    const second = new Promise<http.ServerResponse>((resolve) => {
      onRequest = (n, res) => {
        if (n === 1) res.writeHead(500).end('try again')
        else resolve(res)
      }
    })
    const held = await second
    resume.kill('SIGKILL')
    await exited
    held.destroy()
    const before = readRunEvents(t.ws.layout, run.id)
    expect(before.filter((e) => e.type === 'step_completed')).toEqual([])
    expect(before.filter((e) => e.type === 'step_started').map((e) => (e as {attempt: number}).attempt)).toEqual([1, 2])

    onRequest = (_n, res) => res.writeHead(200, {'content-type': 'application/json'}).end('{"charged":true}')
    const done = await cli(['runs', 'resume', run.id, '--json'], {cwd: t.root})
    expect(done.json).toMatchObject({ok: true, data: {status: 'completed'}})

    expect(requests).toHaveLength(3)
    expect(new Set(requests.map((r) => r.key))).toEqual(new Set([`${run.id}/charge`]))
    expect(requests.map((r) => r.attempt)).toEqual(['1', '2', '3'])
  })
})
