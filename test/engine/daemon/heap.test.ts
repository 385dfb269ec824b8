/**
 * Issue 18, the daemon's memory once idle (daemon/heap.ts): settling a thread's heap gives back
 * the young generation a burst grew, and the next burst grows it back to the size it was held
 * at, no further. Run in a node process of its own against the built module: V8's flags are
 * process-wide, and the sizes are V8's own (getHeapSpaceStatistics), not a model of them.
 */
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

const HEAP_JS = path.resolve('dist/engine/daemon/heap.js')

/**
 * A process that grows its young generation to 8 MB the way loading the engine does, holds it
 * there (holdHeap), runs `body` and prints what it returns as JSON. `churn(n)` allocates n small
 * objects, 20,000 of them alive at a time (they survive a scavenge or two, as a burst's do).
 */
async function inProcess<T>(body: string): Promise<T> {
  const script = `
    import v8 from 'node:v8'
    const {holdHeap, settleHeap, holdYoungGeneration} = await import(${JSON.stringify(HEAP_JS)})
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size >> 10
    let keep = []
    const churn = (n) => { for (let i = 0; i < n; i++) { keep.push({i, s: 'x' + i}); if (keep.length > 20000) keep = [] } }
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
    while (young() < 8192) churn(1000)
    holdHeap()
    // settleHeap's timers do not hold a process open (the daemon's server does): this does.
    const alive = setInterval(() => {}, 1000)
    const out = await (async () => { ${body} })()
    clearInterval(alive)
    console.log(JSON.stringify(out))`
  const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
  return JSON.parse(stdout) as T
}

describe('settling the heap once idle', () => {
  it('gives back the young generation a burst grew; the next burst grows it back to its held size and no further', async () => {
    const r = await inProcess<{held: number; settled: {before: number; after: number}; after: number; sizes: number[]; regrown: number}>(`
      churn(100_000)
      keep = []
      const held = young()
      await sleep(300)
      const settled = await settleHeap(() => false)
      const after = young()
      const sizes = new Set()
      for (let k = 0; k < 3000; k++) { churn(1000); holdYoungGeneration(); sizes.add(young()) }
      return {held, settled, after, sizes: [...sizes], regrown: young()}`)
    // Held: a burst did not grow it past the 8 MB it was held at.
    expect(r.held).toBe(8192)
    expect(r.settled.before >> 10).toBe(8192)
    expect(r.after).toBeLessThanOrEqual(2048)
    expect(r.settled.after >> 10).toBe(r.after)
    expect(r.regrown).toBe(8192)
    expect(Math.max(...r.sizes)).toBe(8192)
  }, 30_000)

  it('stops as soon as the thread is busy, and leaves the young generation as it is', async () => {
    const r = await inProcess<{settled: unknown; after: number}>(`
      churn(100_000)
      keep = []
      await sleep(300)
      return {settled: (await settleHeap(() => true)) ?? null, after: young()}`)
    expect(r.settled).toBeNull()
    expect(r.after).toBe(8192)
  }, 30_000)
})
