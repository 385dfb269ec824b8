import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {ulid} from 'ulid'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {emap, field, kw, type EdnMap, type Value} from '../../../src/engine/edn/values.js'
import {forRun, isRefMap, offloadOutput, resolveRefs, serializedSize} from '../../../src/engine/runtime/resources.js'
import {FsStore} from '../../../src/engine/store/fs/fs-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'

let root: string
let layout: WorkspaceLayout
let run: string
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'breyta-offload-'))
  layout = new WorkspaceLayout(root)
  await mkdir(layout.dir)
  run = ulid()
})
afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

const LIMIT = 64 * 1024

describe('offloadOutput / resolveRefs', () => {
  it('keeps small outputs inline', async () => {
    const res = forRun(new FsStore(layout), run)
    const out = emap({'exit-code': 0, stdout: 'hi', stderr: ''})
    expect(await offloadOutput(out, {limitBytes: LIMIT, persist: false, put: res.put})).toBe(out)
  })

  it('moves a 5 MB :stdout to a resource, keeps :exit-code inline, round-trips byte-identical', async () => {
    const res = forRun(new FsStore(layout), run)
    const big = randomBytes(3_750_000).toString('base64') // 5,000,000 chars
    const out = emap({'exit-code': 0, signal: null, stdout: big, stderr: 'small warning'})
    const off = (await offloadOutput(out, {limitBytes: LIMIT, persist: false, put: res.put, namePrefix: 'run-cmd[2]'})) as EdnMap
    expect(field(off, 'exit-code')).toBe(0)
    expect(field(off, 'stderr')).toBe('small warning')
    const ref = field(off, 'stdout') as EdnMap
    expect(isRefMap(ref)).toBe(true)
    expect(field(ref, 'ref')).toBe(`res://${run}/run-cmd-2.stdout`)
    expect(field(ref, 'size')).toBe(5_000_000)
    expect(field(ref, 'content-type')).toBe('text/plain; charset=utf-8')
    expect(serializedSize(off)).toBeLessThan(1024)
    const got = await res.get(field(ref, 'ref') as string)
    expect(got.data.equals(Buffer.from(big))).toBe(true)
    // And a config holding the ref gets the text back.
    const config = emap({stdin: ref, other: [ref, 1]})
    const resolved = (await resolveRefs(config, res.get)) as EdnMap
    expect(field(resolved, 'stdin')).toBe(big)
    expect((field(resolved, 'other') as Value[])[0]).toBe(big)
  })

  it('offloads the biggest nested strings first and only as many as needed', async () => {
    const res = forRun(new FsStore(layout), run)
    const a = 'a'.repeat(50_000)
    const b = 'b'.repeat(40_000)
    const c = 'c'.repeat(1_000)
    const out = emap({body: emap({items: [a, b, c]}), status: 200})
    const off = (await offloadOutput(out, {limitBytes: LIMIT, persist: false, put: res.put})) as EdnMap
    const items = field(field(off, 'body'), 'items') as Value[]
    expect(isRefMap(items[0])).toBe(true)
    expect(items[1]).toBe(b)
    expect(items[2]).toBe(c)
    expect(field(off, 'status')).toBe(200)
  })

  it('stores non-map outputs and unsplittable maps whole, as EDN that resolves back to the value', async () => {
    const res = forRun(new FsStore(layout), run)
    const numbers = Array.from({length: 20_000}, (_, i) => i)
    const off = await offloadOutput(emap({n: numbers}), {limitBytes: LIMIT, persist: false, put: res.put})
    expect(isRefMap(off)).toBe(true)
    expect(field(off, 'content-type')).toBe('application/edn')
    const back = (await resolveRefs(off, res.get)) as EdnMap
    expect((field(back, 'n') as number[]).length).toBe(20_000)
    const str = await offloadOutput('x'.repeat(LIMIT + 1), {limitBytes: LIMIT, persist: false, put: res.put})
    expect(field(str, 'content-type')).toBe('text/plain; charset=utf-8')
  })

  it('persist stores the whole output even when small', async () => {
    const res = forRun(new FsStore(layout), run)
    const out = emap({decision: kw('approved'), n: 1})
    const off = await offloadOutput(out, {limitBytes: LIMIT, persist: true, put: res.put, namePrefix: 'review'})
    expect(field(off, 'ref')).toBe(`res://${run}/review`)
    const back = await resolveRefs(off, res.get)
    expect(field(back, 'decision')).toBe(kw('approved'))
  })

  it('resolves binary refs to base64', async () => {
    const res = forRun(new FsStore(layout), run)
    const bytes = randomBytes(1000)
    const ref = await res.put(bytes, {name: 'img', contentType: 'image/png'})
    const config = emap({data: emap({ref: ref.ref, size: ref.size, 'content-type': ref.contentType})})
    expect(field(await resolveRefs(config, res.get), 'data')).toBe(bytes.toString('base64'))
    // A :function step's :ref (not a res:// URI) is left alone.
    const fn = emap({ref: 'my-fn'})
    expect(await resolveRefs(fn, res.get)).toEqual(fn)
  })
})
