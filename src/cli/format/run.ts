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

export function runText(view: Shown, options: {steps?: boolean; next?: string[]; cancelReason?: string | null} = {}): string {
  const lines = [
    `${paint.bold(view.id)}  ${view.flow}  ${statusText(view.status)}`,
    `target ${view.target}${view.version === null ? '' : ` v${view.version}`}  sha256 ${view.sha256.slice(0, 12)}  created ${age(view['created-at'])}  took ${duration(view['started-at'], view['finished-at'])}`,
    `input  ${truncate(json(view.input), 200)}`,
  ]
  if (view.status === 'completed') lines.push(`output ${truncate(json(view.output), options.steps ? 10_000 : 400)}`)
  if (view.error)
    lines.push(paint.red(`error  [${view.error.code}] ${view.error.message}`) + (view.error.hint ? paint.dim(`\n       hint: ${view.error.hint}`) : ''))
  const failedStep = view.steps.find((s) => s.status === 'failed' && s.error)
  const tail = stderrTail(view.error) ?? stderrTail(failedStep?.error ?? null)
  if (tail && !options.steps) lines.push(paint.dim(`stderr (last lines of ${failedStep?.id ?? 'the step'}):`), tail)
  if (view.status === 'cancelled' && options.cancelReason) lines.push(`reason ${options.cancelReason}`)
  if (view['wake-at']) lines.push(`wakes  ${view['wake-at']}${view.overdue ? paint.yellow(' (overdue: no daemon runs to wake it)') : ''}`)
  if (view.stale) lines.push(paint.yellow('stale  marked running, but the process that ran it is gone'))
  if (view.overdue && view.status === 'waiting') lines.push(paint.yellow('overdue a wait timeout fell due and no daemon runs to fire it'))
  if (view['blocked-by'] && view['blocked-by'].length > 0) lines.push(`blocked by ${view['blocked-by'].join(', ')} (concurrency policy)`)
  lines.push('')
  if (view.steps.length > 0) {
    lines.push(
      table(
        ['step', 'type', 'status', 'attempts', 'took'],
        view.steps.map((s) => [
          s.id,
          s.type,
          statusText(s.status === 'retrying' ? 'running' : s.status),
          String(s.attempts),
          duration(s['started-at'], s['finished-at']),
        ]),
      ).trimEnd(),
    )
  }
  for (const w of view.waits.filter((x) => x.status === 'open')) {
    lines.push(
      paint.yellow(`\nwaiting on "${w.key}"`) +
        (w.approval ? `: ${w.approval.prompt}` : '') +
        (w['timeout-at'] ? paint.dim(` (times out ${w['timeout-at']})`) : ''),
    )
    lines.push(
      paint.dim(
        w.approval
          ? `  breyta waits approve ${view.id} ${w.key}   |   breyta waits reject ${view.id} ${w.key} --comment "…"`
          : `  breyta waits complete ${view.id} ${w.key} --payload '{…}'`,
      ),
    )
  }
  if (options.steps) {
    for (const s of view.steps) {
      lines.push('', paint.bold(`${s.id} (${s.type})`), `  input  ${json(s.input)}`, `  output ${json(s.output)}`)
      if (s.error) lines.push(paint.red(`  error  ${s.error.message}`))
      const stepTail = stderrTail(s.error)
      if (stepTail) lines.push(paint.dim('  stderr (last lines):'), stepTail)
    }
  }
  const next = (options.next ?? []).filter((c) => !c.startsWith('breyta waits '))
  if (next.length > 0) lines.push('', paint.dim(`next: ${next.join('   |   ')}`))
  return lines.join('\n') + '\n'
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

export function eventLine(e: JournalEvent): string {
  const t = paint.dim(e.at.slice(11, 23))
  switch (e.type) {
    case 'run_created':
      return `${t} created ${e.flow} (${e.target}${e.version === null ? '' : ' v' + e.version})`
    case 'run_started':
    case 'run_resumed':
      return `${t} ${e.type === 'run_started' ? 'started' : 'resumed'} (pid ${e.pid})`
    case 'run_admitted':
      return `${t} admitted from the queue (pid ${e.pid})`
    case 'step_started':
      return `${t} ▶ ${e.step} (${e.stepType})${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}`
    case 'step_completed':
      return `${t} ${paint.green('✓')} ${e.step}${e.reused ? paint.dim(' (reused)') : ''}`
    case 'step_attempt_failed':
      return `${t} ${paint.yellow('↻')} ${e.step} attempt ${e.attempt} failed: ${e.error.message}${e.retryInMs === undefined ? '' : ` (retry in ${e.retryInMs}ms)`}`
    case 'step_failed':
      return `${t} ${paint.red('✗')} ${e.step}: ${e.error.message}`
    case 'wait_opened':
      return `${t} ${paint.yellow('⏸')} waiting on "${e.key}"${e.approval ? `: ${e.approval.prompt}` : ''}`
    case 'wait_completed':
      return `${t} wait "${e.key}" completed by ${e.by ?? e.source}${e.decision ? ` (${e.decision})` : ''}`
    case 'sleep_started':
      return `${t} ${paint.cyan('☾')} ${e.step} sleeps until ${e.until}`
    case 'run_parked':
      return `${t} parked: ${statusText(e.status)}${e.wakeAt ? ` until ${e.wakeAt}` : ''}`
    case 'run_completed':
      return `${t} ${statusText('completed')}`
    case 'run_failed':
      return `${t} ${statusText('failed')}: ${e.error.message}`
    case 'run_cancelled':
      return `${t} ${statusText('cancelled')}${e.reason ? `: ${e.reason}` : ''}`
    case 'callback_rejected':
      return `${t} ${paint.red('✗')} callback for "${e.key}" rejected: ${e.status} ${e.code}${e.message ? ` (${e.message})` : ''}`
    case 'log':
      return `${t} ${e.step ? paint.dim(`[${e.step}] `) : ''}${e.message}`
    case 'step_process':
      return `${t} ${paint.dim(`${e.step} attempt ${e.attempt} runs as process group ${e.pgid}`)}`
    case 'step_process_stopped':
      return `${t} ${paint.yellow('■')} ${e.step}: stopped attempt ${e.attempt}'s process group ${e.pgid} (${e.signal}): ${e.reason}`
    default:
      return `${t} ${(e as {type: string}).type}`
  }
}
