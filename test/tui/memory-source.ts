/**
 * An in-memory TuiSource over fixture runs: records every call, can be told to fail the next
 * call of a method, and lets a test change a run and fire the change event like the
 * workspace watcher would.
 */
import {isTerminal, matchesFilter, type RunDetail, type RunSummary, type TuiSource} from '../../src/tui/types.js'

export type Call = {method: string; args: unknown[]}

export function summarize(run: RunDetail): RunSummary {
  const current = [...run.steps].reverse().find((s) => s.status !== 'completed')
  return {
    id: run.id,
    flow: run.flow,
    status: run.status,
    target: run.target,
    version: run.version,
    'created-at': run['created-at'],
    'started-at': run['started-at'],
    'finished-at': run['finished-at'],
    'current-step': isTerminal(run.status) ? null : (current?.id ?? null),
    'waiting-approvals': run.waits.filter((w) => w.status === 'open' && w.approval).map((w) => ({key: w.key, prompt: w.approval!.prompt})),
  }
}

export class MemorySource implements TuiSource {
  readonly runs = new Map<string, RunDetail>()
  readonly calls: Call[] = []
  private listeners = new Set<() => void>()
  private failures = new Map<string, unknown>()

  constructor(runs: RunDetail[]) {
    for (const run of runs) this.runs.set(run.id, structuredClone(run))
  }

  /** The next call of `method` throws `error`. */
  failNext(method: string, error: unknown): void {
    this.failures.set(method, error)
  }

  /** Change a run as another process would, then tell subscribers. */
  change(id: string, mutate: (run: RunDetail) => void): void {
    mutate(this.runs.get(id)!)
    this.emit()
  }

  add(run: RunDetail): void {
    this.runs.set(run.id, structuredClone(run))
    this.emit()
  }

  emit(): void {
    for (const listener of this.listeners) listener()
  }

  get subscriberCount(): number {
    return this.listeners.size
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }

  private record(method: string, args: unknown[]): void {
    this.calls.push({method, args})
    if (this.failures.has(method)) {
      const error = this.failures.get(method)
      this.failures.delete(method)
      throw error
    }
  }

  private find(id: string): RunDetail {
    const run = this.runs.get(id)
    if (run === undefined) throw {code: 'run_not_found', message: `no run ${id}`}
    return run
  }

  async listRuns(query: {limit: number; filter?: string}): Promise<{items: RunSummary[]}> {
    this.record('listRuns', [query])
    const items = [...this.runs.values()]
      .sort((a, b) => (a['created-at'] < b['created-at'] ? 1 : -1))
      .map(summarize)
      .filter((r) => matchesFilter(r, query.filter))
      .slice(0, query.limit)
    return {items}
  }

  async getRun(id: string): Promise<RunDetail> {
    this.record('getRun', [id])
    return structuredClone(this.find(id))
  }

  private decide(runId: string, key: string, decision: string, by: string, comment?: string): void {
    const run = this.find(runId)
    const wait = run.waits.find((w) => w.key === key)
    if (wait === undefined) throw {code: 'wait_not_found', message: `no wait ${key}`}
    if (wait.status !== 'open') throw {code: 'wait_already_completed', message: `wait ${key} was already completed`}
    wait.status = 'completed'
    const step = run.steps.find((s) => s.status === 'waiting')
    if (step) {
      step.status = 'completed'
      step.output = {decision, by, ...(comment === undefined ? {} : {comment})}
    }
    if (!run.waits.some((w) => w.status === 'open')) run.status = 'completed'
    this.emit()
  }

  async approve(runId: string, key: string, decision: {by: string; comment?: string}): Promise<void> {
    this.record('approve', [runId, key, decision])
    this.decide(runId, key, 'approved', decision.by, decision.comment)
  }

  async reject(runId: string, key: string, decision: {by: string; comment: string}): Promise<void> {
    this.record('reject', [runId, key, decision])
    this.decide(runId, key, 'rejected', decision.by, decision.comment)
  }

  async cancel(runId: string): Promise<void> {
    this.record('cancel', [runId])
    const run = this.find(runId)
    if (isTerminal(run.status)) throw {code: 'run_not_active', message: `run ${runId} is ${run.status}`}
    run.status = 'cancelled'
    this.emit()
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange)
    return () => {
      this.listeners.delete(onChange)
    }
  }
}
