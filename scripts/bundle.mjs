// Build step: bundle the CLI for production. tsc's dist/ stays as it is (the daemon's worker,
// the bench and library users import it); dist/bundle/ is what bin/run.js starts, so a command
// start reads a handful of files instead of ~400 (measured: 388 files and 2,014 statx calls
// before 4 ms of work, issue 18). Kept out of the bundles: what only some commands load, and
// native or optional packages.
//
// Two builds:
// - chunks/cli.cjs: oclif, the engine and every command but `tui`, as one CommonJS file, which
//   cli/main.js runs through V8's code cache (src/cli/compile-cache.ts); Node 20 has no code
//   cache for ES modules, and compiling was a quarter of a command's start. Each command is
//   evaluated only when oclif loads it; commands/<id>.js are one-line modules that hand oclif
//   the class from there.
// - ES modules with shared chunks for the rest: cli/main.js, `breyta tui` (cli/tui-main.js and
//   commands/tui.js: Ink has top-level await, which require() cannot load) and the daemon's worker.
import {build} from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = path.join(root, 'dist')
const out = path.join(dist, 'bundle')
fs.rmSync(out, {recursive: true, force: true})

const external = ['ink', 'ink-*', 'react', 'react/*', 'better-sqlite3', 'ssh2', 'cpu-features', 'pg', 'pg-native', 'fsevents', 'ts-node', 'typescript']
const commandsDir = path.join(dist, 'commands')
const commandIds = fs
  .readdirSync(commandsDir, {recursive: true})
  .filter((file) => file.endsWith('.js'))
  .map((file) => file.slice(0, -3).split(path.sep).join('/'))
  .sort()
const ESM_COMMANDS = new Set(['tui'])

// cli/tui-main: `breyta tui` without oclif (bin/run.js starts it; see src/cli/tui-main.ts).
const entryPoints = {'cli/main': path.join(dist, 'cli', 'main.js'), 'cli/tui-main': path.join(dist, 'cli', 'tui-main.js')}
for (const id of ESM_COMMANDS) entryPoints[`commands/${id}`] = path.join(commandsDir, `${id}.js`)
// worker-pool.ts starts `new URL('./advance-worker.js', import.meta.url)`: in both builds that
// URL is in chunks/, next to the chunk (or cli.cjs) holding the pool.
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
  external,
  // The bundled CommonJS (oclif) calls require() for node built-ins.
  banner: {js: "import {createRequire as __breytaCreateRequire} from 'node:module'; const require = __breytaCreateRequire(import.meta.url);"},
  logLevel: 'warning',
})

// The CommonJS bundle's entry: oclif's execute and settings, and a loader per command (a
// require() that esbuild turns into the module's deferred initialisation).
const cliCommands = commandIds.filter((id) => !ESM_COMMANDS.has(id))
const cliEntry = [
  "const oclif = require('@oclif/core')",
  'exports.execute = oclif.execute',
  'exports.settings = oclif.settings',
  'exports.commands = {',
  ...cliCommands.map((id) => `  ${JSON.stringify(id)}: () => require(${JSON.stringify(path.join(commandsDir, `${id}.js`))}),`),
  '}',
].join('\n')
// `import fs from 'node:fs'` compiles, in CommonJS, to a fresh copy of fs's ~100 exports in every
// module that says it (29 for fs, 28 for path, 16 for crypto). Each built-in an ES module imports
// is taken here through one module that re-exports it, so it is copied once (require() is left as it is).
const builtinsOnce = {
  name: 'builtins-once',
  setup(b) {
    b.onResolve({filter: /^node:/}, (args) =>
      args.namespace === 'builtin' || args.kind === 'require-call' ? {path: args.path, external: true} : {path: args.path, namespace: 'builtin'},
    )
    b.onLoad({filter: /.*/, namespace: 'builtin'}, (args) => ({contents: `export * from '${args.path}'\nexport {default} from '${args.path}'\n`}))
  },
}
// oclif sorts a plugin's commands with localeCompare at every start, and the first localeCompare
// of a process sets up ICU's collator: ~5 ms. For command ids (lower-case words, ':' and '-') the
// order is the same by code units, which this build checks, so the bundle compares those.
const ids = commandIds.map((id) => id.replaceAll('/', ':'))
const byLocale = [...ids].sort((a, b) => a.localeCompare(b))
const byCodeUnits = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
if (byLocale.join() !== byCodeUnits.join()) throw new Error(`command ids sort differently by locale: ${byLocale.join()} vs ${byCodeUnits.join()}`)
const oclifSort = {
  name: 'oclif-sort',
  setup(b) {
    b.onLoad({filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, (args) => {
      const text = fs.readFileSync(args.path, 'utf8')
      const sort = '.sort((a, b) => a.id.localeCompare(b.id))'
      if (!text.includes(sort)) throw new Error(`${args.path}: no \`${sort}\` to replace (a new @oclif/core?)`)
      return {contents: text.replace(sort, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'), loader: 'js'}
    })
  },
}
const cliBuild = await build({
  stdin: {contents: cliEntry, resolveDir: dist, sourcefile: 'cli-entry.cjs'},
  plugins: [builtinsOnce, oclifSort],
  outfile: path.join(out, 'chunks', 'cli.cjs'),
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  // import() becomes require() (compile-cache.ts's bundleRequire: Node 20 has no import() for a
  // script from the code cache). oclif imports commands/<id>.js and the hooks that way, and
  // Node 20.19+ and 22.12+ require an ES module without top-level await: Ink, which has it, stays with `tui`.
  supported: {'dynamic-import': false},
  // The ES modules' import.meta.url (lazy.ts's createRequire, worker-pool.ts's worker URL) is this file's.
  define: {'import.meta.url': '__breytaModuleUrl'},
  banner: {js: "const __breytaModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  logLevel: 'warning',
})
// ASCII only, so Node reads it as a one-byte string (compile-cache.ts): esbuild escapes strings
// but leaves comments (→, §, …) and one regex of ansis as written, and with them the 2 MB read
// as UTF-16, three times slower. \uXXXX means the same in a comment, a string or a regex.
const [cliFile] = cliBuild.outputFiles
fs.mkdirSync(path.dirname(cliFile.path), {recursive: true})
fs.writeFileSync(
  cliFile.path,
  cliFile.text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
)
for (const id of cliCommands) {
  const file = path.join(out, 'commands', `${id}.js`)
  const main = path
    .relative(path.dirname(file), path.join(out, 'cli', 'main.js'))
    .split(path.sep)
    .join('/')
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, `import {command} from '${main.startsWith('.') ? main : './' + main}'\nexport default command(${JSON.stringify(id)})\n`)
}
console.log(`dist/bundle: ${cliCommands.length} commands in chunks/cli.cjs, ${Object.keys(entryPoints).length} ES module entries`)
