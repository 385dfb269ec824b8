/** Draft flows as the CLI sees them: list, show, create, push, validate. */
import fs from 'node:fs'
import path from 'node:path'
import {toJson} from '../edn/json.js'
import {BreytaError, invalidFlow, type Problem} from '../errors.js'
import {parseFlow, validateFlowText} from '../flow/load.js'
import type {FlowDefinition} from '../flow/types.js'
import {releaseFacts} from '../flow/releases.js'
import {assertSlug} from '../store/names.js'
import type {Target} from '../journal/events.js'
import type {Workspace} from '../workspace/workspace.js'
import {DEFAULT_CONFIG} from '../workspace/config.js'
import {missingRequirements, requirementProblems} from '../runtime/requirements.js'
import {resolveFlowSource, sha256} from '../runtime/runs.js'

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

export async function listFlows(ws: Workspace): Promise<FlowSummary[]> {
  const out: FlowSummary[] = []
  for (const slug of await ws.local.draftSlugs()) {
    const facts = await releaseFacts(ws, slug)
    try {
      const flow = parseFlow(await ws.local.readDraft(slug), {file: `flows/${slug}.edn`})
      out.push({slug, name: flow.name, description: flow.description ?? null, triggers: flow.triggers.map((t) => t.type), ...facts, valid: true})
    } catch {
      out.push({slug, name: null, description: null, triggers: [], ...facts, valid: false})
    }
  }
  return out
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

export async function showFlow(ws: Workspace, slug: string, options: {target?: Target; version?: number} = {}): Promise<FlowDetail> {
  const source = await resolveFlowSource(ws, slug, options.target ?? 'draft', options.version)
  const flow = parseFlow(source.text, {file: `flows/${slug}.edn`})
  return {
    slug,
    name: flow.name,
    description: flow.description ?? null,
    target: source.target,
    version: source.version,
    sha256: source.sha256,
    source: source.text,
    triggers: flow.triggers.map((t) => (t.type === 'schedule' && t.input !== undefined ? {...t, input: toJson(t.input)} : t)),
    concurrency: Object.fromEntries(Object.entries(flow.concurrency).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), v])),
    steps: stepCalls(flow),
    functions: [...flow.functions.keys()],
    templates: [...flow.templates.keys()],
  }
}

/** The literal `(flow/step :type :id …)` calls in the body, in reading order. */
function stepCalls(flow: FlowDefinition): {id: string; type: string}[] {
  const out: {id: string; type: string}[] = []
  const walk = (v: unknown): void => {
    const items = childForms(v)
    if (!items) return
    const call = Array.isArray(v) ? undefined : stepCall(items)
    if (call) out.push(call)
    for (const x of items) walk(x)
  }
  walk(flow.flow)
  return out
}

/** The forms inside a vector, list or map (its values); undefined for anything else. */
function childForms(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v
  if (v && typeof v === 'object' && 'items' in v) return (v as {items: unknown[]}).items
  return v instanceof Map ? [...v.values()] : undefined
}

/** `(flow/step :type :id …)` as a step call; the id may also be a string. */
function stepCall(items: unknown[]): {id: string; type: string} | undefined {
  const [head, type, id] = items as {name?: string}[]
  if (head?.name === 'flow/step' && type?.name) return {type: type.name, id: typeof id === 'string' ? id : (id?.name ?? '?')}
  return undefined
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

export async function newFlow(ws: Workspace, slug: string): Promise<{slug: string; path: string}> {
  assertSlug(slug)
  if (await ws.local.draftExists(slug)) {
    throw new BreytaError('invalid_input', `flow "${slug}" already exists`, {
      hint: `Edit ${path.relative(ws.root, ws.local.draftPath(slug))}, or pick another slug.`,
    })
  }
  await ws.local.writeDraft(slug, flowTemplate(slug))
  return {slug, path: ws.local.draftPath(slug)}
}

export interface PushResult {
  slug: string
  path: string
  changed: boolean
  sha256: string
  /** Unknown keys breyta ignores. */
  warnings: Problem[]
  /** With --force: the problems `flows validate` reports, pushed anyway. */
  problems: Problem[]
}

/**
 * Copy a flow file into the workspace as the draft of its :slug. It is refused for every problem
 * `flows validate` reports (missing connections and secrets included), unless `force`; a forced
 * push still needs a readable :slug.
 */
export async function pushFlow(ws: Workspace, file: string, options: {force?: boolean} = {}): Promise<PushResult> {
  const text = readFlowFile(file)
  const {result, problems} = await flowProblems(ws, text, path.basename(file))
  const slug = result.flow?.slug ?? (options.force ? declaredSlug(text) : undefined)
  if (problems.length > 0 && (!options.force || slug === undefined)) {
    const err = invalidFlow(problems, path.basename(file))
    throw new BreytaError('invalid_flow', err.message, {
      hint: `Fix the problems in details.problems (\`breyta flows validate --file ${file}\` lists them), or push anyway with --force.`,
      details: err.details,
    })
  }
  assertSlug(slug!)
  const before = (await ws.local.draftExists(slug!)) ? await ws.local.readDraft(slug!) : undefined
  const normalized = text.endsWith('\n') ? text : text + '\n'
  if (before !== normalized) await ws.local.writeDraft(slug!, normalized)
  return {slug: slug!, path: ws.local.draftPath(slug!), changed: before !== normalized, sha256: sha256(normalized), warnings: result.warnings ?? [], problems}
}

function readFlowFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    throw new BreytaError('invalid_input', `cannot read ${file}`, {hint: 'Pass the path of an .edn flow file.'})
  }
}

/**
 * What `flows validate` reports, and so what `flows push` refuses: the flow's own problems, then
 * the connections and secrets its :requires names that the workspace lacks.
 */
async function flowProblems(
  ws: Workspace | undefined,
  text: string,
  file: string,
): Promise<{result: ReturnType<typeof validateFlowText>; problems: Problem[]}> {
  const workspaceConnections = ws ? await ws.local.readConnections() : undefined
  const result = validateFlowText(text, {
    file,
    connections: workspaceConnections ? new Set(Object.keys(workspaceConnections)) : undefined,
    maxBytes: ws?.config.limits.flowBytes ?? DEFAULT_CONFIG.limits.flowBytes,
  })
  const problems = [...result.problems]
  if (ws && workspaceConnections && result.flow) {
    problems.push(...requirementProblems(missingRequirements(result.flow, workspaceConnections, await ws.local.readSecrets(), process.env)))
  }
  return {result, problems}
}

/** The :slug of a flow that does not validate (for a forced push). */
function declaredSlug(text: string): string | undefined {
  return /:slug\s+[:"]?([a-z0-9][a-z0-9-]*)/.exec(text)?.[1]
}

export interface ValidationReport {
  valid: boolean
  slug: string | null
  file: string
  problems: Problem[]
  /** Unknown keys breyta ignores: the flow still runs. */
  warnings: Problem[]
  steps: number
}

/** Validate a draft or a file; every problem at once. Throws invalid_flow when there are any. */
export async function validateFlow(ws: Workspace | undefined, target: {slug?: string; file?: string}): Promise<ValidationReport> {
  let text: string
  let file: string
  if (target.file !== undefined) {
    file = target.file
    text = readFlowFile(file)
  } else {
    if (!ws) throw new BreytaError('workspace_not_found', 'no workspace', {hint: 'Run `breyta init`, or validate a file with --file.'})
    text = await ws.local.readDraft(target.slug!)
    file = path.relative(ws.root, ws.local.draftPath(target.slug!))
  }
  const {result, problems} = await flowProblems(ws, text, file)
  return {
    valid: problems.length === 0,
    slug: result.flow?.slug ?? null,
    file,
    problems,
    warnings: result.warnings ?? [],
    steps: result.flow ? stepCalls(result.flow).length : 0,
  }
}
