#!/usr/bin/env node
// The Restate side of workloads A–E (bench/peers.mjs): a TS SDK endpoint with the same flows as
// breyta's bench (A: N sequential ctx.run steps; one and three: 1 and 3 steps; cb: a workflow
// parked on an awakeable whose id it publishes in its state). Loaded from the peers' cache dir:
// BENCH_PEERS_DIR names it, PORT the endpoint's port. Prints "ready PORT" once listening.
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

const req = createRequire(path.join(process.env.BENCH_PEERS_DIR, 'package.json'))
const restate = await import(pathToFileURL(req.resolve('@restatedev/restate-sdk')).href)

const wl = restate.service({
  name: 'wl',
  handlers: {
    steps: async (ctx, n) => {
      let acc = 0
      for (let i = 0; i < n; i++) {
        const x = acc
        acc = await ctx.run(`s${i}`, async () => x + 1)
      }
      return acc
    },
    one: async (ctx) => ctx.run('a', async () => 2),
    three: async (ctx) => {
      const a = await ctx.run('a', async () => 1)
      const b = await ctx.run('b', async () => a + 1)
      return ctx.run('c', async () => b + 1)
    },
  },
})

const cb = restate.workflow({
  name: 'cb',
  handlers: {
    run: async (ctx) => {
      const {id, promise} = ctx.awakeable()
      ctx.set('awakeable', id)
      const r = await promise
      return ctx.run('next', async () => r.n)
    },
    awakeable: async (ctx) => (await ctx.get('awakeable')) ?? null,
  },
})

const port = await restate.endpoint().bind(wl).bind(cb).listen(Number(process.env.PORT))
console.log(`ready ${port}`)
