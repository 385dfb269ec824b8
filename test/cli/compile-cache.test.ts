/**
 * The CLI bundle's code cache (src/cli/compile-cache.ts): written at a successful exit, per
 * variant, reused as it is (a cache V8 refused would be written again), started from another
 * variant's, never trusted from a directory others can write, and never in the way: a bad cache
 * file still runs the bundle. Driven in real node processes, each with its own temp dir.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'
import {afterEach, describe, expect, it} from 'vitest'
import {cli, REPO_ROOT, tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

const run = promisify(execFile)
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, {recursive: true, force: true})
})

/** A bundle that requires an ES module by file URL, as esbuild writes `import(url)` for it. */
function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-compile-cache-test-'))
  dirs.push(dir)
  fs.mkdirSync(path.join(dir, 'tmp'))
  fs.writeFileSync(path.join(dir, 'answer.mjs'), 'export default 42\n')
  const bundle = path.join(dir, 'bundle.cjs')
  fs.writeFileSync(bundle, "exports.answer = require(require('node:url').pathToFileURL(__dirname + '/answer.mjs').href).default\n")
  const loader = pathToFileURL(path.join(REPO_ROOT, 'dist', 'cli', 'compile-cache.js')).href
  fs.writeFileSync(
    path.join(dir, 'driver.mjs'),
    `import {requireCompiled} from ${JSON.stringify(loader)}\n` +
      `const [variant, code] = process.argv.slice(2)\n` +
      `process.stdout.write(String(requireCompiled(${JSON.stringify(bundle)}, variant).answer))\n` +
      `process.exitCode = Number(code)\n`,
  )
  const cacheDir = path.join(dir, 'tmp', `breyta-compile-cache${process.getuid ? `-${process.getuid()}` : ''}`)
  return {
    dir,
    bundle,
    cacheDir,
    /** Run the driver: variant, exit code; resolves to its stdout whatever the exit. */
    async drive(variant: string, code = 0): Promise<string> {
      const env = {...process.env, TMPDIR: path.join(dir, 'tmp')}
      return run(process.execPath, [path.join(dir, 'driver.mjs'), variant, String(code)], {env}).then(
        (r) => r.stdout,
        (err: {stdout: string}) => err.stdout,
      )
    },
    caches: (): string[] => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : []),
  }
}

describe('code cache', () => {
  it('is written at a successful exit, per variant, and reused unchanged', async () => {
    const f = fixture()
    expect(await f.drive('flows-run')).toBe('42')
    const [first] = f.caches()
    expect(f.caches()).toEqual([expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{8}-flows-run\.bin$/)])
    const written = fs.readFileSync(path.join(f.cacheDir, first!))
    const stat = fs.statSync(path.join(f.cacheDir, first!))
    expect(stat.mode & 0o777).toBe(0o600)
    expect(fs.statSync(f.cacheDir).mode & 0o777).toBe(0o700)

    // Accepted by V8, so not written again.
    expect(await f.drive('flows-run')).toBe('42')
    expect(fs.readFileSync(path.join(f.cacheDir, first!)).equals(written)).toBe(true)
    expect(fs.statSync(path.join(f.cacheDir, first!)).mtimeMs).toBe(stat.mtimeMs)

    // A failed run writes none; another variant starts from this one's and writes its own.
    expect(await f.drive('runs-list', 1)).toBe('42')
    expect(f.caches()).toHaveLength(1)
    expect(await f.drive('runs-list')).toBe('42')
    expect(f.caches()).toEqual([first, first!.replace('flows-run', 'runs-list')].sort())
  })

  it('a changed bundle gets a new cache and its old ones go; a bad cache file is refused and written again', async () => {
    const f = fixture()
    await f.drive('a')
    await f.drive('b')
    const old = f.caches()
    expect(old).toHaveLength(2)
    fs.appendFileSync(f.bundle, '// changed\n')
    expect(await f.drive('a')).toBe('42')
    const fresh = f.caches()
    expect(fresh).toEqual([expect.stringMatching(/-a\.bin$/)])
    expect(old).not.toContain(fresh[0])

    fs.writeFileSync(path.join(f.cacheDir, fresh[0]!), 'not a code cache')
    expect(await f.drive('a')).toBe('42')
    expect(fs.readFileSync(path.join(f.cacheDir, fresh[0]!), 'utf8')).not.toBe('not a code cache')
  })

  it('is not used from a directory others can write', async () => {
    const f = fixture()
    fs.mkdirSync(f.cacheDir, {mode: 0o700})
    fs.chmodSync(f.cacheDir, 0o777)
    expect(await f.drive('a')).toBe('42')
    expect(f.caches()).toEqual([])
  })
})

describe('the CLI through its code cache', () => {
  const temps: TempWorkspace[] = []
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup()
  })

  it('flows run answers the same from a fresh cache and from the one it wrote', async () => {
    const t = await tempWorkspace('breyta-compile-cache-cli-')
    temps.push(t)
    t.writeFlow('one', '{:slug :one :name "one" :flow (flow/step :function :a {:code "(fn [x] (inc x))" :input 1})}\n')
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-compile-cache-tmp-'))
    dirs.push(tmp)
    const env = {TMPDIR: tmp}
    const first = await cli(['flows', 'run', 'one', '--wait', '--json'], {cwd: t.root, env})
    const caches = fs.readdirSync(path.join(tmp, `breyta-compile-cache${process.getuid ? `-${process.getuid()}` : ''}`))
    expect(caches).toEqual([expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{8}-flows-run\.bin$/)])
    const second = await cli(['flows', 'run', 'one', '--wait', '--json'], {cwd: t.root, env})
    for (const r of [first, second]) {
      expect(r.code).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.json.data.status).toBe('completed')
      expect(r.json.data.output).toBe(2)
    }
    expect(Object.keys(second.json.data).sort()).toEqual(Object.keys(first.json.data).sort())
  })
})
