/**
 * `:exec`: run a local program (a coding agent CLI, a script). The command is a vector, never a
 * shell string. It runs in its own process group so a timeout or cancel kills the whole tree,
 * not just the direct child (a shell's background job would otherwise keep the pipes open).
 *
 * At most one copy per step across crashes: the program starts behind a gate (`sh` reading one
 * line of stdin, then `exec`ing it, same pid) that opens only once the group and its start time
 * are journaled (`step_process`, synced). A process killed between spawn and journal closes the
 * gate's pipe, and the gate exits without running the program; so every copy that ever runs is
 * on record, and the next attempt stops it first (run-loop.ts).
 *
 * Output: stdout and stderr are captured whole for the result and, as they arrive, also given
 * to the step's live log (ctx.output), line by line, for `runs logs --follow` and the TUI.
 *
 * Environment: the executing process's minus breyta's own BREYTA_* variables, plus `:env`
 * (`{:secret :name}` values resolved now), plus BREYTA_RUN_ID and BREYTA_STEP_ID.
 */
import path from 'node:path'
import {emap, List, Sym} from '../edn/values.js'
import {envProblems, stepEnv} from './child-env.js'
import type {execa} from 'execa'
import {StepConfig} from './config.js'
import {KILL_GRACE_MS, killGroup, processStartTime} from './process-group.js'
import {fields, type ConfigShape} from './schema.js'
import {done, StepError, type StepContext, type StepExecutor} from './types.js'

/** The gate: wait for the go line (EOF means the parent died: do not run), then become the program. */
const GATE = ['/bin/sh', '-c', 'IFS= read -r _ || exit 125; exec "$@"', 'breyta-exec']

/** The step's config (`:env` is read by child-env, `:ok-exit-codes` by StepConfig). */
const execConfig = {
  command: fields.texts.optional(),
  cwd: fields.text.optional(),
  stdin: fields.text.optional(),
  'allow-failure': fields.boolean.optional(),
} satisfies ConfigShape
type ExecConfig = StepConfig<typeof execConfig>

type Child = ReturnType<typeof execa>
type ChildResult = Awaited<Child>

/**
 * Start the program behind the gate, kill its group on abort, stream its output to the live log,
 * and open the gate once the group is journaled. Returns the child; the caller owns `onAbort`.
 */
async function start(command: string[], c: ExecConfig, ctx: StepContext): Promise<{child: Child; onAbort: () => void}> {
  const cwd = path.resolve(ctx.workspaceRoot, c.get('cwd') ?? '.')
  const env = {...ctx.inheritedEnv(), ...stepEnv(c, ctx), BREYTA_RUN_ID: ctx.runId, BREYTA_STEP_ID: ctx.stepId}
  // execa costs ~130 ms to import: load it when a step actually runs a program.
  const {execa} = await import('execa')
  const child = execa(GATE[0]!, [...GATE.slice(1), ...command], {
    cwd,
    env,
    extendEnv: false,
    stdin: 'pipe',
    reject: false,
    detached: true,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
  })
  const onAbort = () => {
    killGroup(child.pid, 'SIGTERM')
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref()
  }
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  // The signal may have fired before the listener existed (a short timeout, or a cancel,
  // while execa was still loading on a busy machine): kill at once rather than never.
  if (ctx.signal.aborted) onAbort()
  // A program that exits without reading its stdin closes the pipe under us: not an error.
  child.stdin?.on('error', () => {})
  // Live output for people watching; execa still buffers the whole of both for the result.
  child.stdout?.on('data', (d: Buffer) => ctx.output('stdout', d))
  child.stderr?.on('data', (d: Buffer) => ctx.output('stderr', d))
  if (child.pid !== undefined && !ctx.signal.aborted) await openGate(child, child.pid, ctx)
  child.stdin?.end(c.get('stdin') ?? '')
  return {child, onAbort}
}

/** Journal the group, then let the gate run the program; unjournaled, it must never run. */
async function openGate(child: Child, pid: number, ctx: StepContext): Promise<void> {
  try {
    await ctx.processStarted({pid, pgid: pid, 'process-start': processStartTime(pid) ?? null})
  } catch (err) {
    // Not on record (the journal could not be written): the gate must not open.
    child.stdin?.end()
    killGroup(pid, 'SIGKILL')
    throw err
  }
  child.stdin?.write('\n')
}

/** A program that never ran: not installed, or the gate's `exec` failed (127 not found, 126 not executable). */
function notRunError(command: string[], result: ChildResult): StepError | undefined {
  if (result.failed && result.exitCode === undefined && !result.signal) {
    return new StepError(`could not run ${command[0]}: ${result.originalMessage ?? result.shortMessage}`, {
      retryable: false,
      hint: 'Is the program installed and on PATH?',
    })
  }
  if ((result.exitCode === 127 || result.exitCode === 126) && /^breyta-exec: (line )?(\d+: )?exec: /m.test(String(result.stderr ?? ''))) {
    return new StepError(`could not run ${command[0]}: ${result.exitCode === 127 ? 'not found' : 'permission denied'}`, {
      retryable: false,
      hint: 'Is the program installed and on PATH?',
    })
  }
  return undefined
}

function exitError(command: string[], result: ChildResult): StepError {
  const tail = String(result.stderr ?? '').slice(-500)
  return new StepError(`${command[0]} exited with ${result.signal ?? result.exitCode}`, {
    hint: 'Set :allow-failure true to handle a non-zero exit in the flow, or list the exit codes that mean success in :ok-exit-codes (e.g. [0 3]).',
    details: {'exit-code': result.exitCode ?? null, signal: result.signal ?? null, 'stderr-tail': tail},
  })
}

export const execStep: StepExecutor = {
  type: 'exec',
  check(config) {
    const c = new StepConfig(config, 'exec')
    const cmd = c.value('command')
    // A symbol or call (e.g. `(conj agent task)`, the command taken from the input) is computed
    // when the step runs; run() checks it then.
    const problems = [...envProblems(config), ...c.okExitCodesProblems()]
    if (cmd instanceof List || cmd instanceof Sym) return problems
    return Array.isArray(cmd) && cmd.length > 0 ? problems : [...problems, ':command must be a non-empty vector, e.g. ["git" "status"]']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'exec', execConfig)
    const command = c.get('command')
    if (!command || command.length === 0) throw new StepError(':exec :command must be a non-empty vector', {retryable: false})
    const {child, onAbort} = await start(command, c, ctx)
    let result
    try {
      result = await child
    } finally {
      ctx.signal.removeEventListener('abort', onAbort)
    }
    if (ctx.signal.aborted) throw ctx.signal.reason
    const notRun = notRunError(command, result)
    if (notRun) throw notRun
    const output = emap({
      'exit-code': result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
    })
    const okCodes = c.okExitCodes()
    if ((result.exitCode === undefined || !okCodes.includes(result.exitCode)) && !c.get('allow-failure')) throw exitError(command, result)
    return done(output)
  },
}
