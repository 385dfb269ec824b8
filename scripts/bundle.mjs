// Build step: bundle the CLI for production. tsc's dist/ stays as it is (the daemon's worker,
// the bench and library users import it); dist/bundle/ holds each command as an entry, with
// @oclif/core and the engine in shared chunks, so a command start reads a handful of files
// instead of ~400 (measured: 388 files and 2,014 statx calls before 4 ms of work, issue 18).
// Kept out of the bundle: what only some commands load, and native or optional packages.
import {build} from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = path.join(root, 'dist')
const out = path.join(dist, 'bundle')
fs.rmSync(out, {recursive: true, force: true})

// cli/tui-main: `breyta tui` without oclif (bin/run.js starts it; see src/cli/tui-main.ts).
const entryPoints = {'cli/main': path.join(dist, 'cli', 'main.js'), 'cli/tui-main': path.join(dist, 'cli', 'tui-main.js')}
const commands = path.join(dist, 'commands')
for (const file of fs.readdirSync(commands, {recursive: true})) {
  if (file.endsWith('.js')) entryPoints[path.join('commands', file.slice(0, -3))] = path.join(commands, file)
}
// worker-pool.ts starts `new URL('./advance-worker.js', import.meta.url)`: in the bundle that
// URL is next to the chunk holding the pool.
entryPoints['chunks/advance-worker'] = path.join(dist, 'engine', 'daemon', 'advance-worker.js')

await build({
  entryPoints,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['ink', 'ink-*', 'react', 'react/*', 'better-sqlite3', 'ssh2', 'cpu-features', 'pg', 'pg-native', 'fsevents', 'ts-node', 'typescript'],
  // The bundled CommonJS (oclif) calls require() for node built-ins.
  banner: {js: "import {createRequire as __breytaCreateRequire} from 'node:module'; const require = __breytaCreateRequire(import.meta.url);"},
  logLevel: 'warning',
})
console.log(`dist/bundle: ${Object.keys(entryPoints).length} entries`)
