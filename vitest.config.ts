import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default is CPUs - 1, i.e. one file at a time on the 2-core machines this runs on.
    // Most files wait on subprocesses, servers and timers, so three at once cuts the wall time.
    maxWorkers: 3,
  },
})
