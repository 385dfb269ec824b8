#!/bin/sh
':' //; [ "$1" = daemon ] && [ "$2" = start ] && [ -z "$MALLOC_ARENA_MAX" ] && export MALLOC_ARENA_MAX=2 BREYTA_MALLOC_ARENAS=launcher; exec node "$0" "$@"
// Run as a command (`breyta`, `./bin/run.js`), this file is first read by sh, whose line 2 is
// the line above: it hands the file to node, and before that caps a daemon's glibc malloc at 2
// arenas (MALLOC_ARENA_MAX, which glibc reads only when a process starts). By default each
// thread that meets a locked arena makes its own; the daemon's workers and V8's compiler and GC
// threads filled six, and after the workload suite kept ~15 MB in them that never went back:
// the daemon's PSS stayed 15-17% over idle 10 s after (bench/peers.mjs), 0% with 2 arenas, and
// runs/s under load the same (issue 18). To node, line 2 is a string and a comment.
// The cap is for the daemon's own malloc: what it starts (exec steps, agents) gets the
// environment it was started with. A detached daemon gets the same (daemon/heap.ts).
if (process.env.BREYTA_MALLOC_ARENAS === 'launcher') {
  delete process.env.MALLOC_ARENA_MAX
  delete process.env.BREYTA_MALLOC_ARENAS
}
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
