/** A tiny FlowHost that records step calls, and helpers to evaluate code strings. */
import {readEdn} from '../../../src/engine/edn/read.js'
import {emap, type Value} from '../../../src/engine/edn/values.js'
import type {FlowDefinition} from '../../../src/engine/flow/types.js'
import {evaluateFlow} from '../../../src/engine/interpreter/index.js'
import type {FlowHost} from '../../../src/engine/interpreter/types.js'

export interface StepCall {
  type: string
  id: string
  config: Value
  position: string
}

export interface RecordingHost extends FlowHost {
  calls: StepCall[]
  maxInFlight: number
}

/**
 * Records calls; `respond` computes the output (default: the config). With `tick`, each step
 * resolves after a macrotask, so concurrent calls really overlap.
 */
export function recordingHost(options: {input?: Value; respond?: (call: StepCall) => Value | Promise<Value>; tick?: boolean} = {}): RecordingHost {
  let inFlight = 0
  const host: RecordingHost = {
    input: options.input ?? emap({}),
    runId: 'run-1',
    now: '2025-01-02T03:04:05.000Z',
    callbackUrl: (key) => `http://127.0.0.1:7777/callbacks/run-1/${key}`,
    calls: [],
    maxInFlight: 0,
    async step(type, id, config, position) {
      const call = {type, id, config, position}
      host.calls.push(call)
      inFlight++
      host.maxInFlight = Math.max(host.maxInFlight, inFlight)
      try {
        if (options.tick) await new Promise((r) => setImmediate(r))
        return options.respond ? await options.respond(call) : config
      } finally {
        inFlight--
      }
    },
  }
  return host
}

export function flowDef(body: string, extra: Partial<FlowDefinition> = {}): FlowDefinition {
  return {
    slug: 'test',
    name: 'Test',
    concurrency: {type: 'unlimited', onNewVersion: 'drain'},
    triggers: [{type: 'manual'}],
    requires: [],
    templates: new Map(),
    functions: new Map(),
    flow: readEdn(body),
    raw: new Map(),
    ...extra,
  }
}

/** Evaluate a code string as a flow body. */
export function run(body: string, host: FlowHost = recordingHost(), extra: Partial<FlowDefinition> = {}): Promise<Value> {
  return evaluateFlow(flowDef(body, extra), host)
}

export {readEdn}

/** Evaluate and print as EDN, for compact assertions. */
export async function show(body: string, host: FlowHost = recordingHost()): Promise<string> {
  const {printEdn} = await import('../../../src/engine/edn/print.js')
  return printEdn(await run(body, host))
}

/** The BreytaError a body fails with (fails the test when it succeeds). */
export async function failure(
  body: string,
  host: FlowHost = recordingHost(),
  extra: Partial<FlowDefinition> = {},
): Promise<{code: string; message: string; details?: Record<string, unknown>}> {
  try {
    await run(body, host, extra)
  } catch (err) {
    return err as {code: string; message: string; details?: Record<string, unknown>}
  }
  throw new Error(`expected ${body} to fail`)
}
