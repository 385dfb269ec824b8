/**
 * Run a CommonJS bundle with V8's code cache, Node 20's stand-in for node:module's
 * enableCompileCache (Node 22). Compiling the CLI's ~2 MB of JavaScript was a quarter of a
 * command's start (issue 18); with the cache V8 reads back the code it compiled last time, for
 * the top level and for every function that ran. The cache is only a speed-up: when it cannot be
 * read, written or used (another Node, other flags, a changed bundle), the bundle compiles as usual.
 * Node 20 gives such a script no loader for import() once it comes from the cache
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle has none: see bundleRequire.
 */
import {isAscii} from 'node:buffer'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

/** A cache file not written for this long is removed when another is written. */
const STALE_MS = 30 * 24 * 3600_000

const loaded = new Map<string, unknown>()

/**
 * `require(file)` for a CommonJS bundle, compiled through the code cache. `variant` names what
 * this process will run (a command): each variant gets a cache of the functions it ran, starting
 * from another variant's cache of the same bundle when it has none yet.
 */
export function requireCompiled<T>(file: string, variant: string): T {
  if (loaded.has(file)) return loaded.get(file) as T
  const source = readSource(file)
  const cache = cacheFiles(file, variant)
  const cachedData = cache === undefined ? undefined : readCache(cache)
  // Not `(function …)`: V8 compiles a parenthesised function at once, all of it, and caches all of it.
  const script = new vm.Script(`0, function (exports, require, module, __filename, __dirname) {${source}\n}`, {filename: file, cachedData: cachedData?.data})
  // Written at exit, so the cache holds the functions this command compiled as well as the top
  // level; not after a failure, which may have stopped before most of the command's work.
  if (cache !== undefined && (cachedData?.file !== cache.own || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (code === 0) writeCache(cache, script)
    })
  }
  const module = {exports: {}}
  const run = script.runInThisContext() as (...args: unknown[]) => void
  run.call(module.exports, module.exports, bundleRequire(file), module, file, path.dirname(file))
  loaded.set(file, module.exports)
  return module.exports as T
}

/** ASCII (as scripts/bundle.mjs writes the CLI's) read as latin1: a one-byte string, ~3x faster than UTF-8's decoding. */
function readSource(file: string): string {
  const bytes = fs.readFileSync(file)
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/**
 * The bundle's require(), which also stands for its import(): esbuild turned `import(url)` into
 * `require(url)`, so a file: URL is read as its path. Node (20.19+, 22.12+) requires an ES module
 * without top-level await as its namespace, marked __esModule when it has a default export, which
 * esbuild's import() interop then reads as import() would have.
 */
function bundleRequire(file: string): NodeJS.Require {
  const base = createRequire(file)
  const require = (id: string): unknown => base(id.startsWith('file:') ? fileURLToPath(id) : id)
  return Object.assign(require, {resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions})
}

interface CacheFiles {
  dir: string
  /** `<file key>-`: every cache of this bundle file, as it is now or was. */
  file: string
  /** `<file key>-<build key>-`: every variant's cache of this bundle as it is now. */
  prefix: string
  own: string
}

/**
 * The caches of this bundle file as it is now (size and mtime: a rebuilt bundle gets new ones),
 * for this Node and its flags, in a directory of this user's only; undefined when there is none.
 */
function cacheFiles(file: string, variant: string): CacheFiles | undefined {
  try {
    const dir = cacheDir()
    if (dir === undefined) return undefined
    const stat = fs.statSync(file)
    // V8 refuses a cache made under other flags: NODE_OPTIONS and the command line give them.
    const build = [stat.size, Math.trunc(stat.mtimeMs), process.version, process.arch, process.env.NODE_OPTIONS ?? '', ...process.execArgv].join('\0')
    const prefix = `${hash(file)}-${hash(build)}-`
    return {dir, file: `${hash(file)}-`, prefix, own: path.join(dir, `${prefix}${variant.replace(/[^a-z0-9-]/g, '_') || '_'}.bin`)}
  } catch {
    return undefined
  }
}

/** `<tmpdir>/breyta-compile-cache-<uid>`, made private to this user; undefined if someone else could write it. */
function cacheDir(): string | undefined {
  const uid = process.getuid?.()
  const dir = path.join(os.tmpdir(), `breyta-compile-cache${uid === undefined ? '' : `-${uid}`}`)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const stat = fs.lstatSync(dir)
  if (!stat.isDirectory() || (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0))) return undefined
  return dir
}

/** FNV-1a, 32 bits, as hex: a file name, not a checksum (V8 checks the data it is given). */
function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** This variant's cache, else another variant's of the same bundle. */
function readCache(cache: CacheFiles): {file: string; data: Buffer} | undefined {
  try {
    return {file: cache.own, data: fs.readFileSync(cache.own)}
  } catch {
    try {
      const other = fs.readdirSync(cache.dir).find((name) => name.startsWith(cache.prefix) && name.endsWith('.bin'))
      return other === undefined ? undefined : {file: path.join(cache.dir, other), data: fs.readFileSync(path.join(cache.dir, other))}
    } catch {
      return undefined
    }
  }
}

/** Whole or not at all: written aside, then renamed over (concurrent CLIs may race; either file is good). */
function writeCache(cache: CacheFiles, script: vm.Script): void {
  const tmp = `${cache.own}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, script.createCachedData(), {mode: 0o600})
    fs.renameSync(tmp, cache.own)
    removeStale(cache)
  } catch {
    fs.rmSync(tmp, {force: true})
  }
}

/** Caches nothing reads again: of this bundle file as it was before a rebuild, and any not written for a month. */
function removeStale(cache: CacheFiles): void {
  const now = Date.now()
  for (const name of fs.readdirSync(cache.dir)) {
    const file = path.join(cache.dir, name)
    try {
      if ((name.startsWith(cache.file) && !name.startsWith(cache.prefix)) || now - fs.statSync(file).mtimeMs > STALE_MS) fs.rmSync(file, {force: true})
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
