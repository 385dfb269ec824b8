/** Build the StepContext a step executes with: everything a step may touch, and nothing else. */
import type {Value} from '../edn/values.js'
import {BreytaError} from '../errors.js'
import type {FlowDefinition} from '../flow/types.js'
import {callFunction, renderTemplate} from '../interpreter/index.js'
import {getConnection, readConnections} from '../store/fs/connection-store.js'
import {openKvStore, type KvStore} from '../store/fs/kv-store.js'
import {readSecrets, secretEnvName} from '../store/fs/secret-store.js'
import {inheritedEnv} from '../steps/child-env.js'
import type {RecordedProcess} from '../steps/process-group.js'
import type {Connection, StepContext} from '../steps/types.js'
import type {Workspace} from '../workspace/workspace.js'
import {assertRedactable, type Redactor} from './redact.js'
import {runConnections} from './requirements.js'
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
  kv: () => KvStore
  close(): void
}

export async function loadStepServices(ws: Workspace, runId: string, flow: FlowDefinition, env: NodeJS.ProcessEnv, redactor: Redactor): Promise<StepServices> {
  const [workspaceConnections, secrets] = await Promise.all([readConnections(ws.layout), readSecrets(ws.layout)])
  const connections = runConnections(flow, workspaceConnections)
  // The flow's own `:requires` connections may authenticate with basic auth too.
  addBasicAuth(redactor, connections, (name) => env[secretEnvName(name)] ?? secrets[name])
  let kv: KvStore | undefined
  return {
    flow,
    ws,
    runId,
    connections,
    secrets,
    env,
    redactor,
    // Opened on first use: most runs never touch kv, and SQLite costs a few ms to open.
    kv: () => (kv ??= openKvStore(ws.layout)),
    close: () => kv?.close(),
  }
}

export interface StepCall {
  stepId: string
  attempt: number
  signal: AbortSignal
  now: () => Date
  log: (message: string) => void
  /** Journal a started process group (synced). */
  processStarted: (p: RecordedProcess) => void
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
        throw new BreytaError('invalid_input', `secret "${name}" is not set`, {hint: `Set it with \`breyta secrets set ${name}\` or the env var ${secretEnvName(name)}.`})
      }
      assertRedactable(name, value)
      services.redactor.add(value)
      return value
    },
    connection: (name) => getConnection(services.connections, name),
    resources: forRun(ws.layout, runId),
    kv: {
      get: (ns, key) => services.kv().get(ns, key),
      set: (ns, key, value, options) => services.kv().set(ns, key, value, options),
      delete: (ns, key) => services.kv().delete(ns, key),
      incr: (ns, key, by, options) => services.kv().incr(ns, key, by, options),
    },
    callbackUrl: (key) => ws.callbackUrl(runId, key),
    renderTemplate(id: string, data: Value): string {
      const content = flow.templates.get(id)
      if (content === undefined) throw new BreytaError('invalid_flow', `unknown template "${id}"`, {hint: 'Add it to the flow\'s :templates.'})
      return renderTemplate(content, data)
    },
    callFunction: (fn, input) => callFunction(flow, fn, input),
    log: (message) => call.log(services.redactor.string(message)),
    inheritedEnv: () => inheritedEnv(services.env),
    processStarted: (p) => call.processStarted(p),
  }
}
