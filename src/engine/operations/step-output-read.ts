/**
 * Reading a run's live step output (store/fs/step-log.ts) for people: `runs logs`, `runs logs
 * --follow` and the TUI. Output items are plain JSON with kebab-case keys, like journal events
 * under `--json`, so they interleave with them by `at`.
 */
import type {StepLogChunk} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'

export type OutputItem =
  | {type: 'output'; step: string; seq: number; attempt: number; stream: 'stdout' | 'stderr'; line: string; at: string}
  /** Lines the bounded log no longer holds (config.edn :limits :step-log-bytes), before the next line shown. */
  | {type: 'output_dropped'; step: string; lines: number; at: string}

/** Reads new output of every step of a run (or one step) on each `read()`: a follower's cursor. */
export class RunOutputCursor {
  private readonly readers = new Map<string, {read(): StepLogChunk}>()

  constructor(
    private readonly ws: Workspace,
    private readonly runId: string,
    private readonly step?: string,
  ) {}

  /** Output written since the last read, in time order. */
  read(): OutputItem[] {
    const logs = this.ws.local.stepLogs
    for (const id of logs.ids(this.runId)) {
      if (this.step !== undefined && id !== this.step) continue
      if (!this.readers.has(id)) this.readers.set(id, logs.reader(this.runId, id))
    }
    const items: OutputItem[] = []
    for (const reader of this.readers.values()) items.push(...toItems(reader.read()))
    return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  }
}

function toItems(chunk: StepLogChunk): OutputItem[] {
  const items: OutputItem[] = []
  if (chunk.dropped > 0) items.push({type: 'output_dropped', step: chunk.stepId, lines: chunk.dropped, at: chunk.lines[0]?.at ?? new Date().toISOString()})
  for (const l of chunk.lines) items.push({type: 'output', step: chunk.stepId, seq: l.seq, attempt: l.attempt, stream: l.stream, line: l.line, at: l.at})
  return items
}
