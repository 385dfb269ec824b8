/**
 * The house plan's import directions (engine knows nothing of oclif/Ink, the interpreter is pure,
 * steps see only their context, commands import only the engine's public API) are ESLint rules,
 * and the code's layout is prettier's; running both here makes `npm test` enforce them.
 */
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'
import {ESLint} from 'eslint'
import {expect, it} from 'vitest'
import {REPO_ROOT} from './helpers/workspace.js'

it('src/ keeps to the import rules in eslint.config.js', async () => {
  const eslint = new ESLint({cwd: REPO_ROOT})
  const results = await eslint.lintFiles(['src'])
  const problems = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(REPO_ROOT.length)}:${m.line} ${m.message}`))
  expect(problems).toEqual([])
}, 60_000)

it('the code is formatted as .prettierrc.json says (`npm run format` fixes it)', async () => {
  // The same file list as `npm run lint`, so the two cannot disagree.
  const lint = (await import(path.join(REPO_ROOT, 'package.json'), {with: {type: 'json'}})).default.scripts.lint as string
  const args = [...lint.slice(lint.indexOf('prettier --check') + 'prettier --check'.length).matchAll(/"([^"]+)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
  const prettier = path.join(REPO_ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs')
  const result = await promisify(execFile)(process.execPath, [prettier, '--list-different', ...args], {cwd: REPO_ROOT}).then(
    () => '',
    (err: {stdout?: string; stderr?: string}) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
  )
  expect(result.trim().split('\n').filter(Boolean)).toEqual([])
}, 60_000)
