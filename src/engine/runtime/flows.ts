/** Draft flows as the CLI sees them: list, show, create, push, validate. */
import fs from 'node:fs'
import path from 'node:path'
import {BreytaError, type Problem} from '../errors.js'
import {parseFlow, validateFlowText} from '../flow/load.js'
import type {FlowDefinition} from '../flow/types.js'
import {readConnections} from '../store/fs/connection-store.js'
import {draftExists, listDraftSlugs, readDraft, writeDraft} from '../store/fs/flow-store.js'
import {assertSlug} from '../store/fs/paths.js'
import type {Target} from '../store/types.js'
import {readSecrets} from '../store/fs/secret-store.js'
import type {Workspace} from '../workspace/workspace.js'
import {DEFAULT_CONFIG} from '../workspace/config.js'
import {missingRequirements, requirementProblems} from './requirements.js'
import {resolveFlowSource, sha256} from './runs.js'

export interface FlowSummary {
  slug: string
  name: string | null
  description: string | null
  /** Triggers by type, e.g. ["manual", "schedule"]. */
  triggers: string[]
  /** The live version number, when released. */
  live: number | null
  versions: number
  /** Problems when the draft does not validate (listed, not thrown, so one bad file never hides the rest). */
  valid: boolean
}

/** Live/version facts per flow; the releases module registers itself here. */
export type ReleaseFacts = (ws: Workspace, slug: string) => {live: number | null; versions: number}
let releaseFacts: ReleaseFacts = () => ({live: null, versions: 0})
export function setReleaseFacts(f: ReleaseFacts): void {
  releaseFacts = f
}

export function listFlows(ws: Workspace): FlowSummary[] {
  return listDraftSlugs(ws.layout).map((slug) => {
    const facts = releaseFacts(ws, slug)
    try {
      const flow = parseFlow(readDraft(ws.layout, slug), {file: `flows/${slug}.edn`})
      return {slug, name: flow.name, description: flow.description ?? null, triggers: flow.triggers.map((t) => t.type), ...facts, valid: true}
    } catch {
      return {slug, name: null, description: null, triggers: [], ...facts, valid: false}
    }
  })
}

export interface FlowDetail {
  slug: string
  name: string
  description: string | null
  target: Target
  version: number | null
  sha256: string
  source: string
  triggers: unknown[]
  concurrency: unknown
  steps: {id: string; type: string}[]
  functions: string[]
  templates: string[]
}

export function showFlow(ws: Workspace, slug: string, options: {target?: Target; version?: number} = {}): FlowDetail {
  const source = resolveFlowSource(ws, slug, options.target ?? 'draft', options.version)
  const flow = parseFlow(source.text, {file: `flows/${slug}.edn`})
  return {
    slug,
    name: flow.name,
    description: flow.description ?? null,
    target: source.target,
    version: source.version,
    sha256: source.sha256,
    source: source.text,
    triggers: flow.triggers,
    concurrency: flow.concurrency,
    steps: stepCalls(flow),
    functions: [...flow.functions.keys()],
    templates: [...flow.templates.keys()],
  }
}

/** The literal `(flow/step :type :id …)` calls in the body, in reading order. */
function stepCalls(flow: FlowDefinition): {id: string; type: string}[] {
  const out: {id: string; type: string}[] = []
  const walk = (v: unknown): void => {
    const items = Array.isArray(v) ? v : v && typeof v === 'object' && 'items' in v ? (v as {items: unknown[]}).items : v instanceof Map ? [...v.values()] : undefined
    if (!items) return
    const [head, type, id] = items as {name?: string}[]
    if (!Array.isArray(v) && head?.name === 'flow/step' && type?.name) out.push({type: type.name, id: typeof id === 'string' ? id : id?.name ?? '?'})
    for (const x of items) walk(x)
  }
  walk(flow.flow)
  return out
}

export function flowTemplate(slug: string): string {
  return `{:slug :${slug}
 :name "${slug}"
 :description "Describe what this flow does."
 :triggers [{:type :manual}]
 :functions [{:id :greet
              :language :clojure
              :code "(fn [input] (str \\"Hello, \\" (or (:name input) \\"world\\") \\"!\\"))"}]
 :flow
 (let [input    (flow/input)
       greeting (flow/step :function :greet {:ref :greet :input input})]
   {:greeting greeting})}
`
}

export function newFlow(ws: Workspace, slug: string): {slug: string; path: string} {
  assertSlug(slug)
  if (draftExists(ws.layout, slug)) {
    throw new BreytaError('invalid_input', `flow "${slug}" already exists`, {hint: `Edit ${path.relative(ws.root, ws.layout.flow(slug))}, or pick another slug.`})
  }
  writeDraft(ws.layout, slug, flowTemplate(slug))
  return {slug, path: ws.layout.flow(slug)}
}

/** Copy a flow file into the workspace as the draft of its :slug, after validating it. */
export async function pushFlow(ws: Workspace, file: string): Promise<{slug: string; path: string; changed: boolean; sha256: string}> {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    throw new BreytaError('invalid_input', `cannot read ${file}`, {hint: 'Pass the path of an .edn flow file.'})
  }
  const connections = new Set(Object.keys(await readConnections(ws.layout)))
  const flow = parseFlow(text, {file: path.basename(file), connections, maxBytes: ws.config.limits.flowBytes})
  const before = draftExists(ws.layout, flow.slug) ? readDraft(ws.layout, flow.slug) : undefined
  const normalized = text.endsWith('\n') ? text : text + '\n'
  if (before !== normalized) writeDraft(ws.layout, flow.slug, normalized)
  return {slug: flow.slug, path: ws.layout.flow(flow.slug), changed: before !== normalized, sha256: sha256(normalized)}
}

export interface ValidationReport {
  valid: boolean
  slug: string | null
  file: string
  problems: Problem[]
  steps: number
}

/** Validate a draft or a file; every problem at once. Throws invalid_flow when there are any. */
export async function validateFlow(ws: Workspace | undefined, target: {slug?: string; file?: string}): Promise<ValidationReport> {
  let text: string
  let file: string
  if (target.file !== undefined) {
    file = target.file
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      throw new BreytaError('invalid_input', `cannot read ${file}`, {hint: 'Pass the path of an .edn flow file.'})
    }
  } else {
    if (!ws) throw new BreytaError('workspace_not_found', 'no workspace', {hint: 'Run `breyta init`, or validate a file with --file.'})
    text = readDraft(ws.layout, target.slug!)
    file = path.relative(ws.root, ws.layout.flow(target.slug!))
  }
  const workspaceConnections = ws ? await readConnections(ws.layout) : undefined
  const result = validateFlowText(text, {file, connections: workspaceConnections ? new Set(Object.keys(workspaceConnections)) : undefined, maxBytes: ws?.config.limits.flowBytes ?? DEFAULT_CONFIG.limits.flowBytes})
  const problems = [...result.problems]
  if (ws && workspaceConnections && result.flow) {
    problems.push(...requirementProblems(missingRequirements(result.flow, workspaceConnections, await readSecrets(ws.layout), process.env)))
  }
  return {
    valid: problems.length === 0,
    slug: result.flow?.slug ?? null,
    file,
    problems,
    steps: result.flow ? stepCalls(result.flow).length : 0,
  }
}
