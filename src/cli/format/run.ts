/** Human renderings of runs. */
import type {JournalEvent, OutputItem, RunSummary, RunView} from '../../engine/index.js'
import {paint, statusText} from './style.js'
import {age, duration, table, truncate} from './table.js'

const json = (v: unknown) => (v === null || v === undefined ? '-' : JSON.stringify(v))

export function runListText(items: RunSummary[], next: string | null): string {
  if (items.length === 0) return 'No runs yet. Start one with `breyta flows run SLUG`.\n'
  const rows = items.map((r) => [
    r.id,
    r.flow,
    statusText(r.status) + (r.waiting.length > 0 ? paint.yellow(` (${r.waiting.map((w) => w.key).join(', ')})`) : ''),
    r.target + (r.version === null ? '' : ` v${r.version}`),
    r['current-step'] ?? '-',
    age(r['created-at']),
  ])
  return table(['id', 'flow', 'status', 'target', 'step', 'created'], rows) + (next ? paint.dim(`More: breyta runs list --before ${next}\n`) : '')
}

/** The last lines of a failed exec/ssh step's stderr, as its error details carry them. */
function stderrTail(error: {details?: Record<string, unknown>} | null, lines = 8): string | undefined {
  const tail = error?.details?.['stderr-tail']
  if (typeof tail !== 'string' || tail.trim() === '') return undefined
  return tail
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `       | ${l}`)
    .join('\n')
}

type Shown = RunView & {stale?: boolean; overdue?: boolean; 'blocked-by'?: string[] | null}
type RunTextOptions = {steps?: boolean; next?: string[]; cancelReason?: string | null}

export function runText(view: Shown, options: RunTextOptions = {}): string {
  const lines = [...headerLines(view, options), ...failureTailLines(view, options), ...conditionLines(view, options), '']
  if (view.steps.length > 0) lines.push(stepTable(view))
  for (const w of view.waits.filter((x) => x.status === 'open')) lines.push(...openWaitLines(view.id, w))
  if (options.steps) for (const s of view.steps) lines.push(...stepDetailLines(s))
  const next = (options.next ?? []).filter((c) => !c.startsWith('breyta waits '))
  if (next.length > 0) lines.push('', paint.dim(`next: ${next.join('   |   ')}`))
  return lines.join('\n') + '\n'
}

/** Identity, timing, input, and the output or error the run ended with. */
function headerLines(view: Shown, options: RunTextOptions): string[] {
  const lines = [
    `${paint.bold(view.id)}  ${view.flow}  ${statusText(view.status)}`,
    `target ${view.target}${view.version === null ? '' : ` v${view.version}`}  sha256 ${view.sha256.slice(0, 12)}  created ${age(view['created-at'])}  took ${duration(view['started-at'], view['finished-at'])}`,
    `input  ${truncate(json(view.input), 200)}`,
  ]
  if (view.status === 'completed') lines.push(`output ${truncate(json(view.output), options.steps ? 10_000 : 400)}`)
  if (view.error)
    lines.push(paint.red(`error  [${view.error.code}] ${view.error.message}`) + (view.error.hint ? paint.dim(`\n       hint: ${view.error.hint}`) : ''))
  return lines
}

/** The stderr of the failed exec/ssh step, which usually says why the run failed. */
function failureTailLines(view: Shown, options: RunTextOptions): string[] {
  const failedStep = view.steps.find((s) => s.status === 'failed' && s.error)
  const tail = stderrTail(view.error) ?? stderrTail(failedStep?.error ?? null)
  // With --steps each step shows its own stderr below.
  return tail && !options.steps ? [paint.dim(`stderr (last lines of ${failedStep?.id ?? 'the step'}):`), tail] : []
}

/** What else explains where the run stands: why it stopped, what it waits for or on. */
function conditionLines(view: Shown, options: RunTextOptions): string[] {
  const lines: string[] = []
  if (view.status === 'cancelled' && options.cancelReason) lines.push(`reason ${options.cancelReason}`)
  if (view['wake-at']) lines.push(`wakes  ${view['wake-at']}${view.overdue ? paint.yellow(' (overdue: no daemon runs to wake it)') : ''}`)
  if (view.stale) lines.push(paint.yellow('stale  marked running, but the process that ran it is gone'))
  if (view.overdue && view.status === 'waiting') lines.push(paint.yellow('overdue a wait timeout fell due and no daemon runs to fire it'))
  if (view['blocked-by'] && view['blocked-by'].length > 0) lines.push(`blocked by ${view['blocked-by'].join(', ')} (concurrency policy)`)
  return lines
}

function stepTable(view: Shown): string {
  return table(
    ['step', 'type', 'status', 'attempts', 'took'],
    view.steps.map((s) => [
      s.id,
      s.type,
      statusText(s.status === 'retrying' ? 'running' : s.status),
      String(s.attempts),
      duration(s['started-at'], s['finished-at']),
    ]),
  ).trimEnd()
}

/** An open wait and the commands that complete it. */
function openWaitLines(run: string, w: Shown['waits'][number]): string[] {
  return [
    paint.yellow(`\nwaiting on "${w.key}"`) +
      (w.approval ? `: ${w.approval.prompt}` : '') +
      (w['timeout-at'] ? paint.dim(` (times out ${w['timeout-at']})`) : ''),
    paint.dim(
      w.approval
        ? `  breyta waits approve ${run} ${w.key}   |   breyta waits reject ${run} ${w.key} --comment "…"`
        : `  breyta waits complete ${run} ${w.key} --payload '{…}'`,
    ),
  ]
}

/** One step in full, for --steps. */
function stepDetailLines(s: Shown['steps'][number]): string[] {
  const lines = ['', paint.bold(`${s.id} (${s.type})`), `  input  ${json(s.input)}`, `  output ${json(s.output)}`]
  if (s.error) lines.push(paint.red(`  error  ${s.error.message}`))
  const stepTail = stderrTail(s.error)
  if (stepTail) lines.push(paint.dim('  stderr (last lines):'), stepTail)
  return lines
}

/** One line per journal event, for `runs logs` and `runs watch`. */
/** A line of a step's live output: `HH:MM:SS.mmm step stdout│ text` (stderr in yellow). */
export function outputLine(o: OutputItem): string {
  const t = paint.dim(o.at.slice(11, 23))
  if (o.type === 'output_dropped')
    return `${t} ${paint.dim(`${o.step} … ${o.lines} earlier line${o.lines === 1 ? '' : 's'} dropped (config.edn :limits :step-log-bytes)`)}`
  const prefix = `${o.step} ${o.stream}│`
  return `${t} ${o.stream === 'stderr' ? paint.yellow(prefix) : paint.dim(prefix)} ${o.line}`
}

type EventOf<K extends JournalEvent['type']> = Extract<JournalEvent, {type: K}>

/** What each event type says after its time stamp. */
const eventText: {[K in JournalEvent['type']]: (e: EventOf<K>) => string} = {
  run_created: (e) => `created ${e.flow} (${e.target}${e.version === null ? '' : ' v' + e.version})`,
  run_started: (e) => `started (pid ${e.pid})`,
  run_resumed: (e) => `resumed (pid ${e.pid})`,
  run_admitted: (e) => `admitted from the queue (pid ${e.pid})`,
  step_started: (e) => `▶ ${e.step} (${e.stepType})${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}`,
  step_completed: (e) => `${paint.green('✓')} ${e.step}${e.reused ? paint.dim(' (reused)') : ''}`,
  step_attempt_failed: (e) =>
    `${paint.yellow('↻')} ${e.step} attempt ${e.attempt} failed: ${e.error.message}${e.retryInMs === undefined ? '' : ` (retry in ${e.retryInMs}ms)`}`,
  step_failed: (e) => `${paint.red('✗')} ${e.step}: ${e.error.message}`,
  wait_opened: (e) => `${paint.yellow('⏸')} waiting on "${e.key}"${e.approval ? `: ${e.approval.prompt}` : ''}`,
  wait_completed: (e) => `wait "${e.key}" completed by ${e.by ?? e.source}${e.decision ? ` (${e.decision})` : ''}`,
  sleep_started: (e) => `${paint.cyan('☾')} ${e.step} sleeps until ${e.until}`,
  run_parked: (e) => `parked: ${statusText(e.status)}${e.wakeAt ? ` until ${e.wakeAt}` : ''}`,
  run_completed: () => statusText('completed'),
  run_failed: (e) => `${statusText('failed')}: ${e.error.message}`,
  run_cancelled: (e) => `${statusText('cancelled')}${e.reason ? `: ${e.reason}` : ''}`,
  callback_rejected: (e) => `${paint.red('✗')} callback for "${e.key}" rejected: ${e.status} ${e.code}${e.message ? ` (${e.message})` : ''}`,
  log: (e) => `${e.step ? paint.dim(`[${e.step}] `) : ''}${e.message}`,
  step_process: (e) => paint.dim(`${e.step} attempt ${e.attempt} runs as process group ${e.pgid}`),
  step_process_stopped: (e) => `${paint.yellow('■')} ${e.step}: stopped attempt ${e.attempt}'s process group ${e.pgid} (${e.signal}): ${e.reason}`,
}

export function eventLine(e: JournalEvent): string {
  const t = paint.dim(e.at.slice(11, 23))
  // A journal written by a newer breyta may hold types this one does not know: it shows their name.
  const text = Object.hasOwn(eventText, e.type) ? (eventText[e.type] as (e: JournalEvent) => string)(e) : e.type
  return `${t} ${text}`
}
