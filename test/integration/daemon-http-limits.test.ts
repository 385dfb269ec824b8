/**
 * Issue 12, the HTTP surface holds: 500 slow connections (headers never finished, bodies never
 * finished) leave /healthz answering at once, and unfinished bodies cannot grow the daemon's
 * memory past the shared body budget.
 */
import fs from 'node:fs'
import net from 'node:net'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {killDaemons, spawnDaemon} from '../helpers/daemon.js'
import {tempWorkspace, until, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
const sockets: net.Socket[] = []

beforeEach(async () => {
  t = await tempWorkspace('breyta-http-limits-')
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await killDaemons()
  t.cleanup()
})

function open(port: number, first: string | Buffer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({port, host: '127.0.0.1'}, () => {
      s.write(first)
      resolve(s)
    })
    s.on('error', () => {}) // the daemon may drop it; that is the point
    s.once('error', reject)
    sockets.push(s)
  })
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
}

let lastHealth: {http: {connections: number; 'body-bytes': number}}

async function probe(url: string): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(`${url}/healthz`)
  lastHealth = await res.json()
  expect(res.status).toBe(200)
  return performance.now() - t0
}

describe('the daemon under slow and unfinished requests', () => {
  it('500 slow connections leave /healthz answering under 100 ms; unfinished bodies stay within the budget', async () => {
    // No worker threads: their start-up would show in the RSS this test measures.
    fs.writeFileSync(t.ws.layout.config, '{:limits {:workers 0}}\n')
    const d = await spawnDaemon(t.root)
    const port = Number(new URL(d.url).port)
    const before = rssKb(d.pid)

    // 250 that never finish their headers, 250 that declare 1 MiB and send 256 KiB of it.
    const chunk = Buffer.alloc(256 * 1024, 'x')
    for (let i = 0; i < 250; i++) await open(port, 'POST /callbacks/01ARZ3NDEKTSV4RRFFQ69G5FAV/k?token=x HTTP/1.1\r\nHost: a\r\nX-Slow: ')
    for (let i = 0; i < 250; i++) {
      const s = await open(
        port,
        'POST /callbacks/01ARZ3NDEKTSV4RRFFQ69G5FAV/k?token=x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n',
      )
      s.write(chunk)
    }
    // Until the daemon has taken in what it will keep: the shared body budget is full (64 MiB
    // were sent; the requests past the budget were answered 503 and dropped).
    await until(async () => (await probe(d.url)) >= 0 && lastHealth.http['body-bytes'] >= 15 * 1024 * 1024, 30_000, 50)
    expect(lastHealth.http['body-bytes']).toBeLessThanOrEqual(16 * 1024 * 1024)
    expect(lastHealth.http.connections).toBeGreaterThanOrEqual(250)

    const times: number[] = []
    for (let i = 0; i < 20; i++) times.push(await probe(d.url))
    times.sort((a, b) => a - b)
    const median = times[10]!
    expect(median, `healthz ms: ${times.map((x) => x.toFixed(1)).join(' ')}`).toBeLessThan(100)
    // 250 × 256 KiB = 64 MiB was sent; the daemon keeps at most 16 MiB of bodies at once.
    const grownMb = (rssKb(d.pid) - before) / 1024
    expect(grownMb).toBeLessThan(48)
    console.log(`healthz median ${median.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms; daemon RSS grew ${grownMb.toFixed(1)} MB`)
  }, 120_000)
})
