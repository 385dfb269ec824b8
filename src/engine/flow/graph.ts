/**
 * A picture of a flow for reviewers (`breyta flows graph`): the body's steps, branches,
 * fan-outs and waits, found by reading the EDN (nothing runs). The body is code, so the picture
 * is of what is written literally: a branch or fan-out that contains no step call is left out,
 * and a step whose id is computed is labelled with its expression.
 */
import {printEdn} from '../edn/print.js'
import {Keyword, List, Sym, field, type Value} from '../edn/values.js'

export type GraphFormat = 'mermaid' | 'dot' | 'text'
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'text']

/** One step call in the body. */
export interface GraphStep {
  id: string
  type: string
  /** `approval` for a wait with an :approval map, `wait` for other waits, else null. */
  wait: 'approval' | 'wait' | null
}

/** The body as a tree of what a reviewer cares about, in evaluation order. */
export type Item = {kind: 'step'; step: GraphStep} | {kind: 'branch'; label: string; arms: Arm[]} | {kind: 'fan-out'; label: string; body: Item[]}
export interface Arm {
  label: string
  body: Item[]
}

const sym = (name: string) => Sym.of(name)
const STEP = sym('flow/step')
const QUOTE = sym('quote')
const FLOW_MAP = sym('flow/map')
const FN = sym('fn')
/** Two-armed forms: the test (or binding vector) is item 1, then/else are items 2 and 3. */
const IF_FORMS = new Set([sym('if'), sym('if-not'), sym('if-let'), sym('if-some')])
/** One-armed forms: the body runs when the test holds, else nothing does. */
const WHEN_FORMS = new Set([sym('when'), sym('when-not'), sym('when-let'), sym('when-some'), sym('when-first')])
/** Forms that run their body once per item: a binding vector, then the body. */
const EACH_FORMS = new Set([sym('for'), sym('doseq'), sym('loop'), sym('dotimes')])
/** Labels are one line of source; long tests are cut so the picture stays readable. */
const LABEL_MAX = 48

/** The reviewer's tree of a flow body. */
export function analyzeBody(body: Value): Item[] {
  return walk(body)
}

/** Every step call in reading order (steps inside every arm and fan-out). */
export function graphSteps(items: Item[]): GraphStep[] {
  const out: GraphStep[] = []
  const visit = (list: Item[]): void => {
    for (const item of list) {
      if (item.kind === 'step') out.push(item.step)
      else if (item.kind === 'branch') item.arms.forEach((a) => visit(a.body))
      else visit(item.body)
    }
  }
  visit(items)
  return out
}

function walk(form: Value | undefined): Item[] {
  if (form instanceof List) return walkCall(form)
  if (Array.isArray(form)) return form.flatMap(walk)
  if (form instanceof Set) return [...form].flatMap(walk)
  if (form instanceof Map) return [...form].flatMap(([k, v]) => [...walk(k), ...walk(v)])
  return []
}

function walkCall(form: List): Item[] {
  const [head, ...args] = form.items
  if (head === QUOTE) return []
  if (head === STEP) return [...args.flatMap(walk), {kind: 'step', step: stepOf(args)}]
  if (head instanceof Sym) {
    if (IF_FORMS.has(head))
      return branch(`${head.name} ${short(args[0])}`, args[0], [
        ['then', args[1]],
        ['else', args[2]],
      ])
    if (WHEN_FORMS.has(head))
      return branch(`${head.name} ${short(args[0])}`, args[0], [
        ['then', args.slice(1)],
        ['else', undefined],
      ])
    if (head.name === 'cond')
      return branch(
        'cond',
        undefined,
        pairs(args, 0, (t) => (t instanceof Keyword ? t.name : short(t))),
      )
    if (head.name === 'case') return branch(`case ${short(args[0])}`, args[0], pairs(args, 1, short, 'default'))
    if (head.name === 'condp') return branch(`condp ${short(args[0])} ${short(args[1])}`, args.slice(0, 2), pairs(args, 2, short, 'default'))
    if (head === FLOW_MAP)
      return fanOut(
        `flow/map over ${short(args[0])}`,
        [args[0], args[2]].filter((v) => v !== undefined),
        fnBody(args[1]),
      )
    if (EACH_FORMS.has(head)) {
      const bindings = Array.isArray(args[0]) ? args[0] : []
      return fanOut(
        `${head.name} ${short(bindings)}`,
        bindings.filter((_, i) => i % 2 === 1),
        args.slice(1),
      )
    }
  }
  return form.items.flatMap(walk)
}

/** `(fn [x] body…)` → its body; anything else (a symbol naming a function) has no steps to show. */
function fnBody(f: Value | undefined): Value | undefined {
  if (f instanceof List && f.items[0] === FN) return f.items.slice(f.items[1] instanceof Sym ? 3 : 2)
  return f
}

function branch(label: string, test: Value | undefined, arms: [string, Value | undefined][]): Item[] {
  const before = walk(test)
  const walked = arms.map(([armLabel, body]) => ({label: armLabel, body: walk(body)}))
  if (walked.every((a) => a.body.length === 0)) return before
  return [...before, {kind: 'branch', label, arms: walked}]
}

/** cond/case/condp clauses from `start`: test-then-result pairs, and an odd last one as default. */
function pairs(args: Value[], start: number, label: (test: Value) => string, defaultLabel?: string): [string, Value | undefined][] {
  const out: [string, Value | undefined][] = []
  const rest = args.slice(start)
  for (let i = 0; i + 1 < rest.length; i += 2) out.push([label(rest[i]!), rest[i + 1]])
  if (rest.length % 2 === 1 && defaultLabel) out.push([defaultLabel, rest.at(-1)])
  return out
}

function fanOut(label: string, before: Value[], body: Value | undefined): Item[] {
  const pre = before.flatMap(walk)
  const inner = walk(body)
  return inner.length === 0 ? pre : [...pre, {kind: 'fan-out', label, body: inner}]
}

function stepOf(args: Value[]): GraphStep {
  const [type, id, config] = args
  const typeName = type instanceof Keyword ? type.name : short(type)
  const idName = id instanceof Keyword ? id.name : typeof id === 'string' ? id : short(id)
  const approval = config instanceof Map && field(config, 'approval') != null
  return {id: idName, type: typeName, wait: typeName === 'wait' ? (approval ? 'approval' : 'wait') : null}
}

function short(v: Value | undefined): string {
  const text = printEdn(v ?? null).replace(/\s+/g, ' ')
  return text.length > LABEL_MAX ? text.slice(0, LABEL_MAX - 1) + '…' : text
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A step's state in a run, for `runs show --graph`. */
export type StepState = 'completed' | 'running' | 'waiting' | 'failed' | 'skipped' | 'cancelled'

interface Node {
  id: string
  kind: 'start' | 'end' | 'step' | 'branch' | 'fan-out' | 'join'
  label: string
  step?: GraphStep
}
interface Edge {
  from: string
  to: string
  label?: string
}
/** Where control may leave a piece of the graph from (a node, and the arm label on its way out). */
type Tail = {node: string; label?: string}

/** Nodes and edges of the tree, from a start node to an end node. */
function toNodes(items: Item[]): {nodes: Node[]; edges: Edge[]} {
  const nodes: Node[] = []
  const edges: Edge[] = []
  const add = (kind: Node['kind'], label: string, step?: GraphStep): string => {
    const id = `n${nodes.length}`
    nodes.push({id, kind, label, step})
    return id
  }
  const connect = (tails: Tail[], to: string): void => {
    const seen = new Set<string>()
    for (const t of tails) {
      const key = `${t.node}|${t.label ?? ''}`
      if (!seen.has(key)) edges.push({from: t.node, to, label: t.label})
      seen.add(key)
    }
  }
  const sequence = (list: Item[], tails: Tail[]): Tail[] => {
    for (const item of list) {
      if (item.kind === 'step') {
        const id = add('step', item.step.id, item.step)
        connect(tails, id)
        tails = [{node: id}]
      } else if (item.kind === 'branch') {
        const id = add('branch', item.label)
        connect(tails, id)
        tails = item.arms.flatMap((arm) => sequence(arm.body, [{node: id, label: arm.label}]))
      } else {
        const id = add('fan-out', item.label)
        connect(tails, id)
        const inner = sequence(item.body, [{node: id, label: 'each'}])
        const join = add('join', 'all done')
        connect(inner, join)
        tails = [{node: join}]
      }
    }
    return tails
  }
  const start = add('start', 'start')
  const tails = sequence(items, [{node: start}])
  connect(tails, add('end', 'end'))
  return {nodes, edges}
}

function stepLabel(s: GraphStep): string {
  return s.wait === 'approval' ? `${s.id} · approval` : `${s.id} · ${s.type}`
}

/** Mermaid: quoted labels with `"` as an entity, so any id or EDN snippet is safe. */
function mermaidText(s: string): string {
  return '"' + s.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;')) + '"'
}

const MERMAID_CLASSES: Record<StepState, string> = {
  completed: 'fill:#d3f9d8,stroke:#2b8a3e',
  running: 'fill:#d0ebff,stroke:#1c7ed6',
  waiting: 'fill:#fff3bf,stroke:#f08c00',
  failed: 'fill:#ffe3e3,stroke:#e03131',
  cancelled: 'fill:#e9ecef,stroke:#868e96',
  skipped: 'fill:#f8f9fa,stroke:#ced4da,color:#adb5bd',
}

function mermaid(items: Item[], states?: Map<string, StepState>): string {
  const {nodes, edges} = toNodes(items)
  const lines = ['flowchart TD']
  for (const n of nodes) {
    const label = n.step ? stepLabel(n.step) : n.label
    const shape = mermaidShape(n)
    lines.push(`  ${n.id}${shape[0]}${mermaidText(label)}${shape[1]}`)
  }
  for (const e of edges) lines.push(`  ${e.from} -->${e.label === undefined ? '' : `|${mermaidText(e.label)}|`} ${e.to}`)
  if (states) lines.push(...mermaidStateLines(nodes, states))
  return lines.join('\n') + '\n'
}

/** The brackets around a node's label, which pick its shape. */
function mermaidShape(n: Node): [string, string] {
  if (n.kind === 'start' || n.kind === 'end') return ['([', '])']
  if (n.kind === 'branch') return ['{', '}']
  if (n.kind === 'fan-out') return ['[/', '/]']
  if (n.kind === 'join') return ['[\\', '/]']
  return n.step?.wait ? ['{{', '}}'] : ['[', ']']
}

/** Each step node's class by its state, and a classDef for each state that occurs. */
function mermaidStateLines(nodes: Node[], states: Map<string, StepState>): string[] {
  const lines: string[] = []
  const used = new Set<StepState>()
  for (const n of nodes) {
    const state = n.step ? (states.get(n.step.id) ?? 'skipped') : undefined
    if (state === undefined) continue
    used.add(state)
    lines.push(`  class ${n.id} ${state}`)
  }
  for (const s of used) lines.push(`  classDef ${s} ${MERMAID_CLASSES[s]}`)
  return lines
}

const DOT_FILL: Record<StepState, string> = {
  completed: '#d3f9d8',
  running: '#d0ebff',
  waiting: '#fff3bf',
  failed: '#ffe3e3',
  cancelled: '#e9ecef',
  skipped: '#f8f9fa',
}

function dot(items: Item[], name: string, states?: Map<string, StepState>): string {
  const {nodes, edges} = toNodes(items)
  const q = (s: string) => JSON.stringify(s)
  const lines = [`digraph ${q(name)} {`, '  rankdir=TB;', '  node [fontname="Helvetica"];']
  for (const n of nodes) {
    const shape = dotShape(n)
    const state = n.step && states ? (states.get(n.step.id) ?? 'skipped') : undefined
    const fill = state ? ` style=filled fillcolor=${q(DOT_FILL[state])}` : ''
    lines.push(`  ${n.id} [label=${q(n.step ? stepLabel(n.step) : n.label)} shape=${shape}${fill}];`)
  }
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to}${e.label === undefined ? '' : ` [label=${q(e.label)}]`};`)
  lines.push('}')
  return lines.join('\n') + '\n'
}

function dotShape(n: Node): string {
  if (n.kind === 'start' || n.kind === 'end') return 'oval'
  if (n.kind === 'branch') return 'diamond'
  if (n.kind === 'fan-out' || n.kind === 'join') return 'parallelogram'
  return n.step?.wait ? 'hexagon' : 'box'
}

/** An indented outline, for a terminal or a plain-text review. */
function text(items: Item[], states?: Map<string, StepState>): string {
  const lines: string[] = []
  const visit = (list: Item[], depth: number): void => {
    const pad = '  '.repeat(depth)
    for (const item of list) {
      if (item.kind === 'step') {
        const state = states ? `  [${states.get(item.step.id) ?? 'skipped'}]` : ''
        const kind = item.step.wait === 'approval' ? 'wait, approval' : item.step.type
        lines.push(`${pad}- ${item.step.id} (${kind})${state}`)
      } else if (item.kind === 'branch') {
        lines.push(`${pad}? ${item.label}`)
        for (const arm of item.arms) {
          lines.push(`${pad}  ${arm.label}:`)
          if (arm.body.length === 0) lines.push(`${pad}    (no steps)`)
          visit(arm.body, depth + 2)
        }
      } else {
        lines.push(`${pad}* ${item.label}`)
        visit(item.body, depth + 1)
      }
    }
  }
  visit(items, 0)
  return lines.join('\n') + '\n'
}

/** Draw the tree; `states` (step id → state) colours it by a run's progress. */
export function renderGraph(items: Item[], format: GraphFormat, options: {name?: string; states?: Map<string, StepState>} = {}): string {
  if (format === 'dot') return dot(items, options.name ?? 'flow', options.states)
  if (format === 'text') return text(items, options.states)
  return mermaid(items, options.states)
}
