#!/usr/bin/env node
// `breyta tui` runs for hours in a terminal: it runs in a node with a small young generation
// (--max-semi-space-size=1; V8 reads it only at start-up), which keeps ~15 MB of semi-space off
// its resident set, and on its own entry, which does not load oclif (~13 MB; bench/tui-rss.mjs).
// This process only waits for it and passes its exit on.
if (process.argv[2] === 'tui') {
  const {spawn} = await import('node:child_process')
  const tuiMain = new URL('../dist/bundle/cli/tui-main.js', import.meta.url).pathname
  const child = spawn(process.execPath, ['--max-semi-space-size=1', ...process.execArgv, tuiMain, ...process.argv.slice(3)], {stdio: 'inherit'})
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  // Ctrl-C reaches the TUI directly (raw mode); a SIGINT sent to this process group must not end us first.
  process.on('SIGINT', () => {})
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)))
} else {
  // dist/bundle is the production build (scripts/bundle.mjs, part of `npm run build`).
  const {execute, settings} = await import('../dist/bundle/cli/main.js')
  // Always the bundle: under NODE_ENV=test or development oclif would otherwise look for the
  // TypeScript source of dist/bundle/commands (there is none) and warn on stderr.
  settings.enableAutoTranspile = false
  await execute({dir: import.meta.url})
}
