/**
 * BreytaCommand: every command extends it. `run()` returns the data (an object, never
 * undefined); this class prints it as one JSON envelope under --json, maps every failure to a
 * SPEC error code and exit code, and renders errors for people without a stack trace.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {
  BreytaError,
  envRedactor,
  exitCodeFor,
  liveWorkspaceRedactor,
  openWorkspace,
  toBreytaError,
  type Redactor,
  type RunView,
  type Workspace,
} from '../engine/index.js'
import {errorDocument, okDocument, serialize} from './envelope.js'
import {writeHumanError} from './error-text.js'
import {nextCommands, withHealth, type ShownRun} from './next-commands.js'
import {parseError} from './parse-errors.js'

export abstract class BreytaCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    workspace: Flags.string({
      description: 'Workspace directory (the one containing .breyta/); default: nearest one walking up, or $BREYTA_WORKSPACE',
      helpGroup: 'GLOBAL',
    }),
  }

  private workspaceCache?: Workspace
  /** Set by a command: the envelope's meta.next-commands (SPEC §6). */
  protected nextCommands?: string[]
  private liveRedactor?: () => Redactor

  /** Flags shared by all commands, parsed without knowing the subclass's own flags. */
  protected get workspaceFlag(): string | undefined {
    const i = this.argv.findIndex((a) => a === '--workspace' || a.startsWith('--workspace='))
    if (i < 0) return undefined
    const arg = this.argv[i]!
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : this.argv[i + 1]
  }

  /** The workspace this command works in (SPEC §2 discovery). */
  protected async workspace(): Promise<Workspace> {
    this.workspaceCache ??= await openWorkspace({explicit: this.workspaceFlag, env: process.env.BREYTA_WORKSPACE, from: process.cwd()})
    return this.workspaceCache
  }

  /**
   * The output boundary's redactor (SPEC §4): every secret of the workspace once it is open,
   * the process's BREYTA_SECRET_* values before. Run files are redacted when written; this
   * catches what a command prints from anywhere else.
   */
  protected redactor(): Redactor {
    if (this.workspaceCache === undefined) return envRedactor(process.env)
    this.liveRedactor ??= liveWorkspaceRedactor(this.workspaceCache.local, process.env)
    return this.liveRedactor()
  }

  /** Human output goes to stdout only when not in --json mode. */
  /** A run as run commands answer it: with its health, and the commands that move it on as meta. */
  protected async shownRun(ws: Workspace, view: RunView): Promise<ShownRun> {
    const shown = await withHealth(ws, view)
    this.nextCommands = nextCommands(shown)
    return shown
  }

  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(this.redactor().string(text.endsWith('\n') ? text : text + '\n'))
  }

  /** Progress and notes go to stderr so stdout stays the result. */
  protected note(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(this.redactor().string(text.endsWith('\n') ? text : text + '\n'))
  }

  protected override toSuccessJson(result: unknown): unknown {
    return okDocument(result, this.nextCommands)
  }

  protected override logJson(json: unknown): void {
    process.stdout.write(serialize(this.redactor().unknown(json), Boolean(process.stdout.isTTY)))
  }

  /**
   * The store's connections (kv's SQLite file, a PostgreSQL pool) close with the command, so the
   * process exits at once; a store the command never opened is not opened here.
   */
  protected override async finally(err: Error | undefined): Promise<unknown> {
    await this.workspaceCache?.closeStore().catch(() => {})
    return super.finally(err)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    const error = this.redactor().error(this.classify(err))
    process.exitCode = exitCodeFor(error.code)
    if (this.jsonEnabled()) {
      this.logJson(errorDocument(error, this.nextCommands))
    } else {
      writeHumanError(error, err)
    }
    return undefined
  }

  /** Flag and argument errors from oclif become invalid_input (exit 2). */
  private classify(err: Error & {oclif?: {exit?: number}}): BreytaError {
    if (err instanceof Errors.CLIError && !(err instanceof BreytaError)) {
      const isParse = err.constructor.name.endsWith('Error') && /flag|argument|Expected|Unexpected|Missing|Nonexistent|required|Parsing/i.test(err.message)
      if (isParse || err.oclif?.exit === 2) return parseError(err, this.id)
    }
    return toBreytaError(err)
  }
}

export type BreytaFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BreytaCommand)['baseFlags'] & T['flags']>
