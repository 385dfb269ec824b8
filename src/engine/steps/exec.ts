/**
 * `:exec`: run a local program (a coding agent CLI, a script). The command is a vector, never a
 * shell string. It runs in its own process group so a timeout or cancel kills the whole tree,
 * not just the direct child (a shell's background job would otherwise keep the pipes open).
 */
import path from 'node:path'
import {emap, List, Sym} from '../edn/values.js'
import {okExitCodesProblem, StepConfig} from './config.js'
import {done, StepError, type StepExecutor} from './types.js'

const KILL_GRACE_MS = 2000

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

export const execStep: StepExecutor = {
  type: 'exec',
  check(config) {
    const c = new StepConfig(config, 'exec')
    const cmd = c.value('command')
    // A symbol or call (e.g. `(conj agent task)`, the command taken from the input) is computed
    // when the step runs; run() checks it then.
    const problems: string[] = []
    const ok = c.value('ok-exit-codes')
    if (ok !== undefined && !(ok instanceof List || ok instanceof Sym)) {
      const p = okExitCodesProblem(ok)
      if (p !== undefined) problems.push(p)
    }
    if (cmd instanceof List || cmd instanceof Sym) return problems
    return Array.isArray(cmd) && cmd.length > 0 ? problems : [...problems, ':command must be a non-empty vector, e.g. ["git" "status"]']
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'exec')
    const command = c.strings('command')
    if (!command || command.length === 0) throw new StepError(':exec :command must be a non-empty vector', {retryable: false})
    const cwd = path.resolve(ctx.workspaceRoot, c.string('cwd') ?? '.')
    const env = {...c.stringMap('env'), BREYTA_RUN_ID: ctx.runId, BREYTA_STEP_ID: ctx.stepId}
    // execa costs ~130 ms to import: load it when a step actually runs a program.
    const {execa} = await import('execa')
    const child = execa(command[0]!, command.slice(1), {
      cwd,
      env,
      input: c.string('stdin') ?? '',
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
