/** Build the StepContext a step executes with: everything a step may touch, and nothing else. */
import type {Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import type {FlowDefinition} from '../flow/types.js'
import {callFunction, renderTemplate} from '../interpreter/index.js'
import {getConnection} from '../store/names.js'
import {secretEnvName} from '../shared/secret-names.js'
import {inheritedEnv} from '../steps/child-env.js'
import type {RecordedProcess} from '../steps/process-group.js'
import type {Connection, StepContext} from '../steps/types.js'
import type {CallbackSigner, Workspace} from '../workspace/workspace.js'
import {assertRedactable, type Redactor} from './redact.js'
import {runConnections} from './requirements.js'
import type {StepOutput} from './step-output.js'
import {forRun} from './resources.js'
import {addBasicAuth} from './workspace-redactor.js'

/** Per-run services shared by every step of one advance. */
export interface StepServices {
  flow: FlowDefinition
  ws: Workspace
  runId: string
  connections: Record<string, Connection>
  secrets: Record<string, string>
  env: NodeJS.ProcessEnv
  /** Every secret value of the workspace (workspace-redactor.ts); redacted from everything journaled. */
  redactor: Redactor
  callbacks: CallbackSigner
  close(): void
}

export async function loadStepServices(
  ws: Workspace,
  runId: string,
  flow: FlowDefinition,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  callbacks: CallbackSigner,
): Promise<StepServices> {
  const [workspaceConnections, secrets] = await Promise.all([ws.local.readConnections(), ws.local.readSecrets()])
  const connections = runConnections(flow, workspaceConnections)
  // The flow's own `:requires` connections may authenticate with basic auth too.
  addBasicAuth(redactor, connections, (name) => env[secretEnvName(name)] ?? secrets[name])
  return {
    flow,
    ws,
    runId,
    connections,
    secrets,
    env,
    redactor,
    callbacks,
    // The store's kv is opened on its first use (most runs never touch it) and lives with the store.
    close: () => {},
  }
}

export interface StepCall {
  stepId: string
  attempt: number
  signal: AbortSignal
  now: () => Date
  log: (message: string) => void
  /** The step's live output sink (step-output.ts): redacts and writes lines itself. */
  output: StepOutput
  /** Journal a started process group (synced). */
  processStarted: (p: RecordedProcess) => Promise<void>
}

export function buildStepContext(services: StepServices, call: StepCall): StepContext {
  const {flow, ws, runId} = services
  return {
    runId,
    flowSlug: flow.slug,
    stepId: call.stepId,
    attempt: call.attempt,
    // The same for every attempt and every recovery: a server dedupes a request re-sent after a crash.
    idempotencyKey: `${runId}/${call.stepId}`,
    signal: call.signal,
    workspaceRoot: ws.root,
    now: call.now,
    secret(name: string): string {
      const value = services.env[secretEnvName(name)] ?? services.secrets[name]
      if (value === undefined) {
        throw new BreytaError('invalid_input', `secret "${name}" is not set`, {
          hint: `Set it with \`breyta secrets set ${name}\` or the env var ${secretEnvName(name)}.`,
        })
      }
      assertRedactable(name, value)
      services.redactor.add(value)
      return value
    },
    connection: (name) => getConnection(services.connections, name),
    resources: forRun(ws.store, runId),
    kv: {
      get: (ns, key) => ws.store.kv.get(ns, key),
      set: (ns, key, value, options) => ws.store.kv.set(ns, key, value, options),
      delete: (ns, key) => ws.store.kv.delete(ns, key),
      incr: (ns, key, by, options) => ws.store.kv.incr(ns, key, by, options),
    },
    callbackUrl: (key) => services.callbacks.callbackUrl(runId, key),
    renderTemplate(id: string, data: Value): string {
      const content = flow.templates.get(id)
      if (content === undefined) throw new BreytaError('invalid_flow', `unknown template "${id}"`, {hint: "Add it to the flow's :templates."})
      return renderTemplate(content, data)
    },
    callFunction: (fn, input) => callFunction(flow, fn, input),
    log: (message) => call.log(services.redactor.string(message)),
    inheritedEnv: () => inheritedEnv(services.env),
    output: (stream, chunk) => call.output.write(stream, chunk),
    processStarted: (p) => call.processStarted(p),
  }
}
