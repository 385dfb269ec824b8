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
import {StepConfig} from './config.js'
import {KILL_GRACE_MS, killGroup, processStartTime} from './process-group.js'
import {done, StepError, type StepExecutor} from './types.js'

/** The gate: wait for the go line (EOF means the parent died: do not run), then become the program. */
const GATE = ['/bin/sh', '-c', 'IFS= read -r _ || exit 125; exec "$@"', 'breyta-exec']

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
    const c = new StepConfig(config, 'exec')
    const command = c.strings('command')
    if (!command || command.length === 0) throw new StepError(':exec :command must be a non-empty vector', {retryable: false})
    const cwd = path.resolve(ctx.workspaceRoot, c.string('cwd') ?? '.')
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
    if (child.pid !== undefined && !ctx.signal.aborted) {
      try {
        await ctx.processStarted({pid: child.pid, pgid: child.pid, 'process-start': processStartTime(child.pid) ?? null})
      } catch (err) {
        // Not on record (the journal could not be written): the gate must not open.
        child.stdin?.end()
        killGroup(child.pid, 'SIGKILL')
        throw err
      }
      child.stdin?.write('\n')
    }
    child.stdin?.end(c.string('stdin') ?? '')
    let result
    try {
      result = await child
    } finally {
      ctx.signal.removeEventListener('abort', onAbort)
    }
    if (ctx.signal.aborted) throw ctx.signal.reason
    if (result.failed && result.exitCode === undefined && !result.signal) {
      throw new StepError(`could not run ${command[0]}: ${result.originalMessage ?? result.shortMessage}`, {retryable: false, hint: 'Is the program installed and on PATH?'})
    }
    // The gate's `exec` failed: the shell says so on stderr with 127 (not found) or 126 (not executable).
    if ((result.exitCode === 127 || result.exitCode === 126) && /^breyta-exec: (line )?(\d+: )?exec: /m.test(String(result.stderr ?? ''))) {
      throw new StepError(`could not run ${command[0]}: ${result.exitCode === 127 ? 'not found' : 'permission denied'}`, {retryable: false, hint: 'Is the program installed and on PATH?'})
    }
    const output = emap({'exit-code': result.exitCode ?? null, signal: result.signal ?? null, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '')})
    const okCodes = c.okExitCodes()
    if ((result.exitCode === undefined || !okCodes.includes(result.exitCode)) && !c.boolean('allow-failure')) {
      const tail = String(result.stderr ?? '').slice(-500)
      throw new StepError(`${command[0]} exited with ${result.signal ?? result.exitCode}`, {
        hint: 'Set :allow-failure true to handle a non-zero exit in the flow, or list the exit codes that mean success in :ok-exit-codes (e.g. [0 3]).',
        details: {'exit-code': result.exitCode ?? null, signal: result.signal ?? null, 'stderr-tail': tail},
      })
    }
    return done(output)
  },
}
