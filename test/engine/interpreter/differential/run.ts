/**
 * Run expressions in breyta and in nbb and compare their canonical results. Both failing
 * counts as agreement (the generator aims at values, so failures are rare and listed).
 */
import {readEdn} from '../../../../src/engine/edn/read.js'
import type {FlowDefinition} from '../../../../src/engine/flow/types.js'
import {evaluateFlow, type FlowHost} from '../../../../src/engine/interpreter/index.js'
import {canon} from './canon.js'
import {evalInNbb} from './nbb.js'

const host: FlowHost = {
  input: null,
  runId: 'diff',
  now: '2025-01-01T00:00:00.000Z',
  callbackUrl: () => '',
  step: () => Promise.reject(new Error('no steps in the differential test')),
}

/** Wrapped in `do`: a quoted body `'(…)` is otherwise unwrapped as a flow body is. */
function flowOf(expr: string): FlowDefinition {
  return {
    slug: 'diff',
    name: 'diff',
    concurrency: {type: 'unlimited', onNewVersion: 'drain'},
    triggers: [],
    requires: [],
    templates: new Map(),
    functions: new Map(),
    flow: readEdn(`(do ${expr})`, {code: true}),
    raw: new Map(),
  }
}

export async function evalInBreyta(expr: string): Promise<string> {
  try {
    return canon(await evaluateFlow(flowOf(expr), host))
  } catch (err) {
    return `ERR ${err instanceof Error ? err.message : String(err)}`
  }
}

export interface Outcome {
  expr: string
  breyta: string
  nbb: string
  agree: boolean
}

export async function compareAll(exprs: readonly string[]): Promise<Outcome[]> {
  const theirs = await evalInNbb(exprs)
  const out: Outcome[] = []
  for (let i = 0; i < exprs.length; i++) {
    const ours = await evalInBreyta(exprs[i]!)
    const nbb = theirs[i]!
    out.push({expr: exprs[i]!, breyta: ours, nbb, agree: ours === nbb || (ours.startsWith('ERR') && nbb.startsWith('ERR'))})
  }
  return out
}
