/**
 * TuiSource over the engine's public API. Everything here goes through `src/engine/index.ts`;
 * live updates come from the engine's change feed (`watchRuns`), so changes made by the daemon
 * or another CLI show up without a daemon being needed, at one inotify watch however many runs
 * there are (a chokidar watch over `runs/` cost ~300 MB with 10,000 runs, see bench/tui-rss.mjs).
 * A running step's output also rewrites its run's change notice (throttled), so its tail updates live.
 */
import {
  TERMINAL_STATUSES,
  approvalPayload,
  cancelRun,
  completeWait,
  completeWaitAndContinue,
  listOpenWaits,
  listRuns,
  runView,
  RunOutputCursor,
  watchRuns,
  type OpenWait,
  type RunSummary as EngineSummary,
  type RunView,
  type WaitCompletion,
  type Workspace,
} from '../engine/index.js'
import {matchesFilter, type ApprovalInfo, type RunDetail, type RunSummary, type TuiSource} from './types.js'

/** Upper bound on runs read to fill one filtered page, so a filter that matches nothing stays cheap. */
const MAX_SCAN = 5000
/**
 * listOpenWaits reads every run's snapshot (~30 ms per 1000 runs here). The page itself is
 * re-read on every change; this workspace-wide scan for older waiting runs at most this often.
 */
const OPEN_WAITS_TTL_MS = 5000
/** Output lines of a running step kept for the run view (the pane shows what fits). */
const TAIL_LINES = 20

function toDetail(view: RunView): RunDetail {
  return {
    id: view.id,
    flow: view.flow,
    target: view.target,
    version: view.version,
    sha256: view.sha256,
    status: view.status,
    input: view.input,
    output: view.output,
    error: view.error,
    'created-at': view['created-at'],
    'started-at': view['started-at'],
    'finished-at': view['finished-at'],
    steps: view.steps.map((s) => ({
      id: s.id,
      type: s.type,
      status: s.status,
      attempts: s.attempts,
      'started-at': s['started-at'],
      'finished-at': s['finished-at'],
      input: s.input,
      output: s.output,
      error: s.error,
    })),
    waits: view.waits.map((w) => ({
      key: w.key,
      step: w.step,
      status: w.status,
      approval: w.approval,
      'callback-url': w['callback-url'],
      'timeout-at': w['timeout-at'],
    })),
  }
}

function toSummary(s: EngineSummary, prompts: ReadonlyMap<string, string>): RunSummary {
  const terminal = TERMINAL_STATUSES.includes(s.status)
  const approvals: ApprovalInfo[] = s.waiting.filter((w) => w.approval).map((w) => ({key: w.key, prompt: prompts.get(`${s.id}/${w.key}`) ?? ''}))
  return {
    id: s.id,
    flow: s.flow,
    status: s.status,
    target: s.target,
    version: s.version,
    'created-at': s['created-at'],
    'started-at': s['started-at'],
    'finished-at': s['finished-at'],
    // The engine keeps the last started step after the run ends; for a list that reads as "still at".
    'current-step': terminal ? null : s['current-step'],
    'waiting-approvals': terminal ? [] : approvals,
  }
}

/** `status:waiting` in the filter: the engine lists waiting runs from its index, not by reading every run. */
function waitingOnly(filter: string | undefined): boolean {
  return (filter ?? '').toLowerCase().split(/\s+/).includes('status:waiting')
}

export interface EngineSourceOptions {
  /** Environment for secrets when this process continues a run (BREYTA_SECRET_<NAME>). */
  env?: NodeJS.ProcessEnv
}

export class EngineSource implements TuiSource {
  /** Runs this process is continuing after a decision (no daemon); awaited before exit. */
  private readonly driving = new Map<string, Promise<unknown>>()
  /** Queued runs this process started after a decided run ended; the decided run's promise covers them. */
  private readonly startedQueued = new Set<string>()
  private openWaitsCache: {at: number; waits: OpenWait[]} | undefined
  private output: {runId: string; cursor: RunOutputCursor; tails: Map<string, {stream: 'stdout' | 'stderr'; line: string}[]>} | undefined

  constructor(
    private readonly ws: Workspace,
    private readonly options: EngineSourceOptions = {},
  ) {}

  async listRuns(query: {limit: number; filter?: string}): Promise<{items: RunSummary[]}> {
    // Open approvals are listed across the workspace (not only the newest page), so a run
    // that has waited for a person for days still sorts to the top.
    const open = await this.openApprovalWaits()
    const prompts = new Map(open.map((w) => [`${w.run}/${w.key}`, w.approval!.prompt]))
    const items: RunSummary[] = []
    const seen = new Set<string>()
    let before: string | undefined
    let scanned = 0
    while (items.length < query.limit && scanned < MAX_SCAN) {
      const page = await listRuns(this.ws, {
        limit: Math.min(200, Math.max(query.limit, 20)),
        ...(before ? {before} : {}),
        ...(waitingOnly(query.filter) ? {status: 'waiting' as const} : {}),
      })
      scanned += page.items.length
      for (const s of page.items) {
        if (items.length >= query.limit) break
        if (!matchesFilter(s, query.filter)) continue
        // A wait opened since the cached scan: read this run's prompts now.
        if (s.waiting.some((w) => w.approval && !prompts.has(`${s.id}/${w.key}`))) {
          for (const w of (await runView(this.ws, s.id)).waits) if (w.approval) prompts.set(`${s.id}/${w.key}`, w.approval.prompt)
        }
        items.push(toSummary(s, prompts))
        seen.add(s.id)
      }
      if (page.next === null) break
      before = page.next
    }
    items.push(...(await this.olderWaitingRuns(open, seen, prompts, query.filter)))
    return {items}
  }

  /** Runs with an open approval that the page did not reach (`seen` holds the ones it did). */
  private async olderWaitingRuns(
    open: OpenWait[],
    seen: ReadonlySet<string>,
    prompts: ReadonlyMap<string, string>,
    filter: string | undefined,
  ): Promise<RunSummary[]> {
    const items: RunSummary[] = []
    for (const runId of new Set(open.map((w) => w.run))) {
      if (seen.has(runId)) continue
      // The cache only says which runs to look at; their state is read fresh.
      const view = await runView(this.ws, runId)
      if (view.status !== 'waiting') continue
      const summary = toSummary(
        {
          ...view,
          waiting: view.waits.filter((w) => w.status === 'open').map((w) => ({key: w.key, approval: w.approval !== null, prompt: w.approval?.prompt ?? null})),
        },
        prompts,
      )
      if (matchesFilter(summary, filter)) items.push(summary)
    }
    return items
  }

  private async openApprovalWaits(): Promise<OpenWait[]> {
    const now = Date.now()
    if (this.openWaitsCache === undefined || now - this.openWaitsCache.at > OPEN_WAITS_TTL_MS) {
      this.openWaitsCache = {at: now, waits: (await listOpenWaits(this.ws)).filter((w) => w.approval !== null)}
    }
    return this.openWaitsCache.waits
  }

  async getRun(id: string): Promise<RunDetail> {
    const detail = toDetail(await runView(this.ws, id))
    const running = detail.steps.filter((s) => s.status === 'running')
    if (running.length === 0) return detail
    // The run on screen keeps its output cursor: each reload reads only what arrived since.
    if (this.output?.runId !== id) this.output = {runId: id, cursor: new RunOutputCursor(this.ws, id), tails: new Map()}
    const {cursor, tails} = this.output
    for (const o of cursor.read()) {
      if (o.type !== 'output') continue
      const tail = tails.get(o.step) ?? []
      tail.push({stream: o.stream, line: o.line})
      if (tail.length > TAIL_LINES) tail.shift()
      tails.set(o.step, tail)
    }
    for (const s of running) s.tail = tails.get(s.id) ?? []
    return detail
  }

  async approve(runId: string, key: string, decision: {by: string; comment?: string}): Promise<void> {
    await this.continueRun(runId, key, {
      payload: approvalPayload('approved', decision.by, decision.comment),
      source: 'cli',
      by: decision.by,
      decision: 'approved',
    })
  }

  async reject(runId: string, key: string, decision: {by: string; comment: string}): Promise<void> {
    await this.continueRun(runId, key, {
      payload: approvalPayload('rejected', decision.by, decision.comment),
      source: 'cli',
      by: decision.by,
      decision: 'rejected',
    })
  }

  async cancel(runId: string): Promise<void> {
    await cancelRun(this.ws, runId)
  }

  /**
   * SPEC §6: after a decision the run continues in the daemon if one runs, otherwise in this
   * process (completeWaitAndContinue decides, as for the CLI). Resolves once the decision is
   * recorded; the run goes on in the background so the screen stays responsive and shows it progress.
   */
  private continueRun(runId: string, key: string, completion: WaitCompletion): Promise<void> {
    if (this.driving.has(runId)) {
      // A drive of this run is under way here already: a second would only find it locked.
      completeWait(this.ws, runId, key, completion)
      return Promise.resolve()
    }
    const started: string[] = []
    return new Promise<void>((recorded, refused) => {
      const done = completeWaitAndContinue(this.ws, runId, key, completion, {
        env: this.options.env ?? process.env,
        onRecorded: () => recorded(),
        onQueuedStart: (id) => {
          this.startedQueued.add(id)
          started.push(id)
        },
      })
        // Before the decision is recorded a failure is the caller's (wait_already_completed…); after
        // it, the run's failure is in the journal, which the screen shows.
        .then(() => undefined, refused)
        .finally(() => {
          this.driving.delete(runId)
          for (const id of started) this.startedQueued.delete(id)
        })
      this.driving.set(runId, done)
    })
  }

  /** Runs still being continued by this process (the command waits for them before exiting). */
  get pending(): string[] {
    return [...this.driving.keys(), ...this.startedQueued]
  }

  async settle(): Promise<void> {
    await Promise.all(this.driving.values())
  }

  subscribe(onChange: () => void): () => void {
    // The screen reloads what it shows whichever run changed (useLiveReload coalesces bursts).
    const watch = watchRuns(this.ws, () => onChange())
    return () => void watch.close()
  }
}
