/** Step type → executor. Adding a step family is one file plus one line here. */
import type {StepExecutor} from './types.js'

const executors: StepExecutor[] = []

const byType = new Map<string, StepExecutor>(executors.map((e) => [e.type, e]))

export function stepExecutor(type: string): StepExecutor | undefined {
  return byType.get(type)
}

export function stepTypes(): string[] {
  return [...byType.keys()].sort()
}
