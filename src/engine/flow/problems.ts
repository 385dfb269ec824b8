/**
 * Collecting validation problems. Validation never stops at the first problem (SPEC §3): each
 * check adds what it finds here, with the line and column of the offending form.
 */
import type {Problem} from '../errors.js'
import type {PathSegment, Position} from '../edn/positions.js'

export type Path = readonly PathSegment[]

/** Where forms of the flow text were written. */
export interface Locator {
  positionOf(path: Path): Position | undefined
  /**
   * The file position of line/column (1-based) inside the string at `path`, when the string
   * is written without escapes so the mapping is exact; otherwise undefined.
   */
  positionInString?(path: Path, line: number, column: number): Position | undefined
}

/** A dotted path for people: ['triggers', 1, 'cron'] → "triggers.1.cron". */
export function displayPath(path: Path): string {
  return path.join('.')
}

export class Problems {
  readonly list: Problem[] = []
  /** Things that do not stop the flow (an unknown key breyta ignores), reported as data.warnings. */
  readonly warnings: Problem[] = []

  constructor(
    readonly locator: Locator,
    private readonly file?: string,
  ) {}

  /** The position of `path`, or of its nearest ancestor that was written down. */
  locate(path: Path): Position | undefined {
    for (let n = path.length; n >= 0; n--) {
      const pos = this.locator.positionOf(path.slice(0, n))
      if (pos !== undefined) return pos
    }
    return undefined
  }

  /** Record a problem at `at`; `label` replaces the displayed path (e.g. "flow[fetch].timeout"). */
  add(at: Path, message: string, label?: string): void {
    this.addAt(this.locate(at), label ?? displayPath(at), message)
  }

  addAt(pos: Position | undefined, path: string, message: string): void {
    this.list.push(this.problem(pos, path, message))
  }

  /** Record a warning at `at` (same shape as a problem). */
  warn(at: Path, message: string, label?: string): void {
    this.warnings.push(this.problem(this.locate(at), label ?? displayPath(at), message))
  }

  private problem(pos: Position | undefined, path: string, message: string): Problem {
    const problem: Problem = {path, message}
    if (pos !== undefined) {
      problem.line = pos.line
      problem.column = pos.column
    }
    if (this.file !== undefined) problem.file = this.file
    return problem
  }

  get empty(): boolean {
    return this.list.length === 0
  }
}

/** The problems an invalid_flow error carries (e.g. from the EDN reader), else undefined. */
export function problemsOf(err: unknown): Problem[] | undefined {
  if (typeof err !== 'object' || err === null || (err as {code?: unknown}).code !== 'invalid_flow') return undefined
  const problems = (err as {details?: {problems?: unknown}}).details?.problems
  return Array.isArray(problems) ? (problems as Problem[]) : undefined
}
