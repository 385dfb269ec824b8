/**
 * The house plan's import directions (engine knows nothing of oclif/Ink, the interpreter is pure,
 * steps see only their context, commands import only the engine's public API) are ESLint rules;
 * running them here makes `npm test` enforce them.
 */
import {ESLint} from 'eslint'
import {expect, it} from 'vitest'
import {REPO_ROOT} from './helpers/workspace.js'

it('src/ keeps to the import rules in eslint.config.js', async () => {
  const eslint = new ESLint({cwd: REPO_ROOT})
  const results = await eslint.lintFiles(['src'])
  const problems = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(REPO_ROOT.length)}:${m.line} ${m.message}`))
  expect(problems).toEqual([])
}, 60_000)
