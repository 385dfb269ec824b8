/** `breyta flows graph` and `runs show --graph`: a flow's picture, optionally coloured by a run. */
import fs from 'node:fs'
import {BreytaError} from '../errors.js'
import {parseFlow} from '../flow/load.js'
import {analyzeBody, graphSteps, renderGraph, type GraphFormat, type GraphStep, type StepState} from '../flow/graph.js'
import type {Target} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import type {StepView} from '../journal/projection.js'
import {resolveFlowSource} from '../runtime/runs.js'

export interface FlowGraphResult {
  format: GraphFormat
  graph: string
  steps: (GraphStep & {state?: StepState})[]
}

export interface FlowGraphOptions {
  format?: GraphFormat
  target?: Target
  version?: number
  /** Draw a flow file instead of a draft or release (works outside a workspace). */
  file?: string
}

/** The picture of a draft, a release or a file. */
export async function flowGraph(ws: Workspace | undefined, slug: string | undefined, options: FlowGraphOptions = {}): Promise<FlowGraphResult> {
  const {text, file} = await graphSource(ws, slug, options)
  const flow = parseFlow(text, {file})
  const items = analyzeBody(flow.flow)
  const format = options.format ?? 'mermaid'
  return {format, graph: renderGraph(items, format, {name: flow.slug}), steps: graphSteps(items)}
}

async function graphSource(ws: Workspace | undefined, slug: string | undefined, options: FlowGraphOptions): Promise<{text: string; file: string}> {
  if (options.file !== undefined) {
    try {
      return {text: fs.readFileSync(options.file, 'utf8'), file: options.file}
    } catch {
      throw new BreytaError('invalid_input', `cannot read ${options.file}`, {hint: 'Pass the path of an .edn flow file.'})
    }
  }
  if (slug === undefined) throw new BreytaError('invalid_input', 'name a flow slug or pass --file FILE', {hint: 'breyta flows graph SLUG | --file FILE'})
  if (!ws) throw new BreytaError('workspace_not_found', 'no workspace', {hint: 'Run `breyta init`, or draw a file with --file.'})
  return {text: (await resolveFlowSource(ws, slug, options.target ?? 'draft', options.version)).text, file: `flows/${slug}.edn`}
}

/** The picture of the definition a run is pinned to, each step coloured by its state in the run. */
export async function runGraph(ws: Workspace, runId: string, format: GraphFormat = 'mermaid'): Promise<FlowGraphResult> {
  const view = await ws.store.runs.readView(runId)
  const flow = parseFlow(await ws.store.runs.readPinnedFlow(runId), {file: `runs/${runId}/flow.edn`})
  const items = analyzeBody(flow.flow)
  const states = stepStates(view.steps)
  const steps = graphSteps(items).map((s) => ({...s, state: states.get(s.id) ?? 'skipped'}))
  return {format, graph: renderGraph(items, format, {name: flow.slug, states}), steps}
}

/** Journaled ids carry `[i]` (flow/map item) and `#n` (repeat) suffixes; the picture has one node per written id. */
const baseId = (id: string): string => id.replace(/(\[\d+\]|#\d+)+$/, '')

/** The most telling state over every call of a step: failed, then in progress, then done. */
const RANK: StepState[] = ['failed', 'running', 'waiting', 'cancelled', 'completed']

function stepStates(steps: StepView[]): Map<string, StepState> {
  const out = new Map<string, StepState>()
  for (const s of steps) {
    const state: StepState = s.status === 'retrying' ? 'running' : s.status === 'sleeping' ? 'waiting' : s.status
    const id = baseId(s.id)
    const prev = out.get(id)
    if (prev === undefined || RANK.indexOf(state) < RANK.indexOf(prev)) out.set(id, state)
  }
  return out
}
