/** What happens to a step's config before it runs and to its output before it is journaled. */
import {field, type EdnMap, type Value} from '../edn/values.js'
import type {RecordedError} from '../journal/events.js'
import type {StepContext} from '../steps/types.js'
import {forRun, offloadOutput, resolveRefs} from './resources.js'
import type {StepServices} from './step-context.js'

/** `{:ref "res://…"}` maps in a config become their content when the step runs. */
export async function resolveConfigRefs(_services: StepServices, config: EdnMap, ctx: StepContext): Promise<EdnMap> {
  return (await resolveRefs(config, ctx.resources.get)) as EdnMap
}

/** Outputs over the workspace limit, or with `:persist true`, move to resources. */
export async function offloadStepOutput(services: StepServices, config: EdnMap, output: Value, stepId: string): Promise<Value> {
  return offloadOutput(services.redactor.value(output), {
    limitBytes: services.ws.config.limits.outputBytes,
    persist: field(config, 'persist') === true,
    put: forRun(services.ws.store, services.runId).put,
    namePrefix: stepId,
  })
}

export function redactValue(services: StepServices, v: Value): Value {
  return services.redactor.value(v)
}

export function redactError<T extends RecordedError>(services: StepServices, e: T): T {
  return services.redactor.unknown(e) as T
}
