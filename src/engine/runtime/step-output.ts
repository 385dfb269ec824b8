/**
 * The line sink a step gives its program's output to (StepContext.output): chunks in, as they
 * arrive, redacted lines out to the step's live log (store/fs/step-log.ts). Lines are cut at
 * `\n` (a trailing `\r` dropped); a line that never ends is cut at MAX_LINE so a program
 * printing a progress bar without newlines still shows and memory stays bounded. A secret is
 * redacted whole within a line; only a secret that spans a line break could slip through, and
 * secrets with line breaks are registered JSON-escaped too (redact.ts).
 */
import {StringDecoder} from 'node:string_decoder'
import type {OutputStream, StepLogs} from '../store/types.js'
import type {StepServices} from './step-context.js'

const MAX_LINE = 16 * 1024

export interface StepOutput {
  write(stream: OutputStream, chunk: Buffer | string): void
  /** Emit any unfinished lines and close the log. Idempotent. */
  close(): void
}

export function openStepOutput(services: StepServices, stepId: string, attempt: number, now: () => Date): StepOutput {
  let writer: ReturnType<StepLogs['writer']> | undefined
  let closed = false
  const partial: Record<OutputStream, string> = {stdout: '', stderr: ''}
  const decoders: Record<OutputStream, StringDecoder> = {stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8')}
  const emit = (stream: OutputStream, lines: string[]) => {
    // A program still printing after its step ended (timed out, being killed): not this step's log any more.
    if (closed || lines.length === 0) return
    // Opened on the first line: most steps print nothing and get no file.
    writer ??= services.ws.local.stepLogs.writer(services.runId, stepId, attempt, services.ws.config.limits.stepLogBytes)
    writer.write(
      stream,
      lines.map((l) => services.redactor.string(l.endsWith('\r') ? l.slice(0, -1) : l)),
      now(),
    )
  }
  return {
    write(stream, chunk) {
      const text = partial[stream] + (typeof chunk === 'string' ? chunk : decoders[stream].write(chunk))
      const lines = text.split('\n')
      let rest = lines.pop()!
      while (rest.length > MAX_LINE) {
        lines.push(rest.slice(0, MAX_LINE))
        rest = rest.slice(MAX_LINE)
      }
      partial[stream] = rest
      emit(stream, lines)
    },
    close() {
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = partial[stream] + decoders[stream].end()
        partial[stream] = ''
        if (rest.length > 0) emit(stream, [rest])
      }
      writer?.close()
      closed = true
    },
  }
}
