// Import directions of the house plan (notes/architecture.md L2), enforced rather than remembered.
import tseslint from 'typescript-eslint'

const uiModules = ['@oclif/*', 'ink', 'ink-*', '@inkjs/*', 'react', 'react/*']

/** What no engine module imports. */
const engineBase = [
  {group: uiModules, message: 'src/engine knows nothing of oclif, Ink or React.'},
  {group: ['**/commands/**', '**/cli/**', '**/tui/**'], message: 'src/engine must not import commands, cli or tui.'},
]

/** The engine reaches `.breyta/` through ws.store and ws.local (store/types.ts); only store/ and workspace/ build them. */
const noStoreFiles = {group: ['**/store/fs/**'], message: 'Use ws.store / ws.local (store/types.ts); store/fs/ is the files implementation.'}

const fsModules = ['node:fs', 'fs', 'node:fs/promises', 'fs/promises']
const noFs = fsModules.map((name) => ({
  name,
  message: 'File I/O lives in store/ (behind ws.store and ws.local); add a named exception in eslint.config.js if it truly cannot.',
}))

/**
 * node:fs outside store/, each with its reason. Everything else in the engine that touches a
 * file goes through the store.
 */
const fsExceptions = {
  'src/engine/shared/pid.ts': 'reads /proc/<pid>/stat to tell a live process from a zombie',
  'src/engine/steps/process-group.ts': "reads /proc to find and stop a step's process group",
  'src/engine/steps/ssh.ts': 'reads the known_hosts file a connection names (a user file, not .breyta/)',
  'src/engine/steps/db-drivers.ts': 'creates the directory of a SQLite database file a connection names',
  'src/engine/workspace/find.ts': 'walks up from the working directory looking for .breyta/',
  'src/engine/workspace/config.ts': 'reads config.edn once when the workspace opens (its limits are read synchronously everywhere)',
  'src/engine/workspace/workspace.ts': '`breyta init` creates .breyta/ and its first files',
  'src/engine/daemon/presence.ts': "removes a dead daemon's control socket file (in the temp dir, on platforms without abstract sockets)",
  'src/engine/operations/flows.ts': 'reads the flow file a user names (`flows push FILE`, `flows validate --file`)',
  'src/engine/operations/graph.ts': 'reads the flow file a user names (`flows graph --file`)',
  'src/engine/flow/load.ts': 'loadFlowFile reads a flow file its caller names',
}

const restrict = (patterns, paths = []) => ['error', {patterns: [...engineBase, ...patterns], paths}]

/** The import rules of one engine room; `fs: true` for files that may use node:fs. */
function room(files, patterns, {fs = false} = {}) {
  return {files, rules: {'no-restricted-imports': restrict(patterns, fs ? [] : noFs)}}
}

export default [
  {ignores: ['dist/**', 'node_modules/**']},
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: {parser: tseslint.parser},
    plugins: {'@typescript-eslint': tseslint.plugin},
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([noStoreFiles], noFs),
      'no-restricted-properties': [
        'error',
        {object: 'process', property: 'argv', message: 'The engine takes its inputs as arguments.'},
        {object: 'process', property: 'cwd', message: 'The workspace path is an argument.'},
        {object: 'process', property: 'stdout', message: 'The engine never writes to stdout.'},
      ],
      'no-restricted-syntax': [
        'error',
        {selector: "MemberExpression[property.name='layout']", message: "ws.layout is the files implementation's map: use ws.store / ws.local."},
        // zod's named `z` (and its default) is the whole namespace as one value: a bundle keeps all of
        // zod with it, every locale included, ~600 KB more for each CLI start to parse (issue 18).
        {
          selector: "ImportDeclaration[source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message: "Use `import * as z from 'zod'`: the named z keeps all of zod (every locale) in the CLI bundle.",
        },
      ],
      'no-console': 'error',
    },
  },
  // The store is a leaf under the engine: it knows journal events and plain records, not who uses it.
  room(
    ['src/engine/store/**/*.ts'],
    [
      {
        group: ['**/runtime/**', '**/operations/**', '**/steps/**', '**/daemon/**'],
        message: 'The store imports no runtime, operations, steps or daemon: store-owned types live in store/types.ts, shared records in shared/.',
      },
    ],
    {fs: true},
  ),
  {files: ['src/engine/store/**/*.ts', 'src/engine/workspace/**/*.ts'], rules: {'no-restricted-syntax': 'off'}},
  // workspace/ opens the files implementation of the store.
  room(['src/engine/workspace/**/*.ts'], []),
  room(['src/engine/flow/**/*.ts'], [noStoreFiles]),
  {
    files: ['src/engine/flow/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/**'],
              allowTypeImports: true,
              message: "flow/ imports no store: it gets a Workspace (ws.local) and may name the store's types only.",
            },
          ],
        },
      ],
    },
  },
  room(
    ['src/engine/runtime/**/*.ts'],
    [noStoreFiles, {group: ['**/daemon/**', '**/operations/**'], message: 'The run engine (runtime/) imports no daemon and no operations: they call it.'}],
  ),
  room(
    ['src/engine/journal/**/*.ts', 'src/engine/shared/**/*.ts'],
    [
      {
        group: ['**/store/**', '**/runtime/**', '**/operations/**', '**/steps/**', '**/daemon/**'],
        message: 'journal/ and shared/ are leaves that store and runtime both import.',
      },
    ],
  ),
  {
    files: ['src/engine/interpreter/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {group: uiModules, message: 'src/engine knows nothing of oclif, Ink or React.'},
            {group: ['node:*', 'fs', 'path', 'child_process', 'http', 'https'], message: 'The interpreter is pure: no I/O.'},
            {group: ['**/store/**', '**/runtime/**', '**/steps/**', '**/daemon/**'], message: 'The interpreter depends only on edn values and errors.'},
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        {name: 'fetch', message: 'No I/O in the flow body.'},
        {name: 'setTimeout', message: 'No timers in the flow body.'},
        {name: 'setInterval', message: 'No timers in the flow body.'},
      ],
      'no-restricted-properties': [
        'error',
        {object: 'Math', property: 'random', message: 'No randomness in the flow body.'},
        {object: 'Date', property: 'now', message: 'No clock in the flow body; use the recorded flow/now.'},
      ],
    },
  },
  room(['src/engine/steps/**/*.ts'], [{group: ['**/store/**', '**/daemon/**', '**/runtime/**'], message: 'A step gets everything through StepContext.'}]),
  // The public API also hands tests the files-level readers (readRunView/readRunEvents of a layout).
  room(['src/engine/index.ts'], []),
  // Named exceptions to "node:fs only under store/" (fsExceptions says why, file by file).
  ...Object.keys(fsExceptions).map((file) => {
    const dir = file.split('/')[2]
    const extra = {
      steps: [{group: ['**/store/**', '**/daemon/**', '**/runtime/**'], message: 'A step gets everything through StepContext.'}],
      workspace: [],
      shared: [
        {
          group: ['**/store/**', '**/runtime/**', '**/operations/**', '**/steps/**', '**/daemon/**'],
          message: 'journal/ and shared/ are leaves that store and runtime both import.',
        },
      ],
    }[dir] ?? [noStoreFiles]
    return room([file], extra, {fs: true})
  }),
  // Commands, the CLI and the TUI take a Workspace, never paths.
  {
    files: ['src/commands/**/*.ts', 'src/cli/**/*.ts', 'src/tui/**/*.ts', 'src/tui/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {selector: "MemberExpression[property.name='layout']", message: 'Commands and the TUI take a Workspace, never paths: call an engine function.'},
      ],
    },
  },
  {
    files: ['src/commands/**/*.ts', 'src/tui/**/*.ts', 'src/tui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{group: ['**/engine/*/**'], message: 'Commands and the TUI import only src/engine/index.ts.'}],
        },
      ],
    },
  },
  {
    // Size and branching: warnings that point at functions to split (issue 15), not errors.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: {parserOptions: {ecmaFeatures: {jsx: true}}},
    rules: {
      'max-lines-per-function': ['warn', {max: 60, skipBlankLines: true, skipComments: true}],
      complexity: ['warn', 15],
    },
  },
  {
    // Declared exception: the EDN scanner is one character loop with a case per token; split up,
    // it would be harder to check against the reader's grammar.
    files: ['src/engine/edn/scan.ts'],
    rules: {'max-lines-per-function': 'off', complexity: 'off'},
  },
]
