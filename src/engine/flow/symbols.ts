/**
 * Resolving flow code before it runs: every unbound symbol and unknown function in the
 * `:flow` body and in `:functions` code is a problem with its line and column (the
 * interpreter's analyze.ts knows which forms bind names).
 */
import type {Position} from '../edn/positions.js'
import type {Value} from '../edn/values.js'
import {analyze} from '../interpreter/index.js'
import type {Path, Problems} from './problems.js'

/** The body at `at` (the path of the `:flow` form). */
export function checkFlowSymbols(problems: Problems, body: Value, at: Path): void {
  for (const u of analyze(body)) problems.add([...at, ...u.path], u.message, 'flow')
}

/**
 * A `:functions` entry's code (read on its own); `inCode` gives positions inside the code
 * string, mapped into the file when it can be.
 */
export function checkFunctionSymbols(problems: Problems, form: Value, at: Path, inCode: (path: Path) => Position | undefined): void {
  for (const u of analyze(form)) {
    const p = inCode(u.path)
    const inside = p === undefined ? undefined : problems.locator.positionInString?.(at, p.line, p.column)
    problems.addAt(inside ?? problems.locate(at), at.join('.'), u.message)
  }
}
