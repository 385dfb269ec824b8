#!/usr/bin/env node
// The DBOS side of workloads A–E (bench/peers.mjs): DBOS workflows with the same shapes as
// breyta's bench flows, behind a plain node:http ingress (DBOS has no HTTP server of its own):
//   POST /call/steps {n}   runs A synchronously       POST /start/one|three|cb  → 202 {id}
//   GET  /result/ID        waits for the result      GET  /parked/ID  waits for cb to park
//   POST /send/ID {n}      delivers cb's message
// BENCH_PEERS_DIR names the peers' cache dir, DBOS_URL the system database, PORT the port.
import http from 'node:http'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

const req = createRequire(path.join(process.env.BENCH_PEERS_DIR, 'package.json'))
const {DBOS} = await import(pathToFileURL(req.resolve('@dbos-inc/dbos-sdk')).href)

DBOS.setConfig({name: 'breyta-bench', systemDatabaseUrl: process.env.DBOS_URL, logLevel: 'error'})

const steps = DBOS.registerWorkflow(
  async (n) => {
    let acc = 0
    for (let i = 0; i < n; i++) {
      const x = acc
      acc = await DBOS.runStep(async () => x + 1, {name: `s${i}`})
    }
    return acc
  },
  {name: 'steps'},
)
const flows = {
  one: DBOS.registerWorkflow(async () => DBOS.runStep(async () => 2, {name: 'a'}), {name: 'one'}),
  three: DBOS.registerWorkflow(
    async () => {
      const a = await DBOS.runStep(async () => 1, {name: 'a'})
      const b = await DBOS.runStep(async () => a + 1, {name: 'b'})
      return DBOS.runStep(async () => b + 1, {name: 'c'})
    },
    {name: 'three'},
  ),
  cb: DBOS.registerWorkflow(
    async () => {
      await DBOS.setEvent('parked', true)
      const r = await DBOS.recv('k', 3600)
      return DBOS.runStep(async () => r.n, {name: 'next'})
    },
    {name: 'cb'},
  ),
}

await DBOS.launch()

// Handles of workflows started here: their getResult awaits the run in this process.
const handles = new Map()
const body = async (r) => {
  let s = ''
  for await (const d of r) s += d
  return s ? JSON.parse(s) : {}
}
const send = (res, status, value) => {
  res.writeHead(status, {'content-type': 'application/json'})
  res.end(JSON.stringify(value ?? null))
}

const server = http.createServer(async (rq, res) => {
  try {
    const [, verb, arg] = rq.url.split('/')
    if (rq.method === 'POST' && verb === 'call' && arg === 'steps') return send(res, 200, await steps((await body(rq)).n))
    if (rq.method === 'POST' && verb === 'start' && flows[arg]) {
      await body(rq)
      const h = await DBOS.startWorkflow(flows[arg])()
      handles.set(h.workflowID, h)
      return send(res, 202, {id: h.workflowID})
    }
    if (rq.method === 'GET' && verb === 'result') {
      const h = handles.get(arg) ?? DBOS.retrieveWorkflow(arg)
      const out = await h.getResult()
      handles.delete(arg)
      return send(res, 200, out)
    }
    if (rq.method === 'GET' && verb === 'parked') return send(res, 200, await DBOS.getEvent(arg, 'parked', 60))
    if (rq.method === 'POST' && verb === 'send') {
      await DBOS.send(arg, await body(rq), 'k')
      return send(res, 202, {})
    }
    send(res, 404, {error: rq.url})
  } catch (e) {
    send(res, 500, {error: String(e?.stack ?? e)})
  }
})
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${server.address().port}`))
const stop = async () => {
  server.close()
  await DBOS.shutdown()
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
