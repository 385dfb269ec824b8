/**
 * A real StepContext for step tests, over in-memory resources/kv and given connections and
 * secrets. Steps are exercised against real servers on 127.0.0.1; only the run around them is
 * reduced to this.
 */
import {randomUUID} from 'node:crypto'
import {BreytaError} from '../../src/engine/errors.js'
import type {Value} from '../../src/engine/edn/values.js'
import type {Connection, KvAccess, ResourceAccess, ResourceRef, StepContext} from '../../src/engine/steps/types.js'

export interface TestContextOptions {
  connections?: Record<string, Omit<Connection, 'name'>>
  secrets?: Record<string, string>
  workspaceRoot?: string
  flowSlug?: string
  stepId?: string
  attempt?: number
  signal?: AbortSignal
  templates?: Record<string, string>
}

export function memoryResources(): ResourceAccess & {items: Map<string, {data: Buffer; contentType: string}>} {
  const items = new Map<string, {data: Buffer; contentType: string}>()
  return {
    items,
    async put(data, options = {}): Promise<ResourceRef> {
      const buf = typeof data === 'string' ? Buffer.from(data) : data
      const ref = `res://test/${options.name ?? randomUUID()}`
      const contentType = options.contentType ?? 'application/octet-stream'
      items.set(ref, {data: buf, contentType})
      return {ref, size: buf.length, contentType}
    },
    async get(uri) {
      const item = items.get(uri)
      if (!item) throw new BreytaError('resource_not_found', `no resource ${uri}`)
      return {...item, size: item.data.length}
    },
  }
}

export function memoryKv(): KvAccess {
  const data = new Map<string, Value>()
  const k = (ns: string, key: string) => `${ns}\u0000${key}`
  return {
    async get(ns, key) {
      return data.get(k(ns, key)) ?? null
    },
    async set(ns, key, value) {
      data.set(k(ns, key), value)
    },
    async delete(ns, key) {
      return data.delete(k(ns, key))
    },
    async incr(ns, key, by = 1) {
      const next = Number(data.get(k(ns, key)) ?? 0) + by
      data.set(k(ns, key), next)
      return next
    },
  }
}

export function testStepContext(options: TestContextOptions = {}): StepContext & {logs: string[]; usedSecrets: Set<string>} {
  const logs: string[] = []
  const usedSecrets = new Set<string>()
  const runId = '01JTESTRUN0000000000000000'
  const stepId = options.stepId ?? 'step'
  const attempt = options.attempt ?? 1
  return {
    logs,
    usedSecrets,
    runId,
    flowSlug: options.flowSlug ?? 'test-flow',
    stepId,
    attempt,
    idempotencyKey: `${runId}/${stepId}`,
    signal: options.signal ?? new AbortController().signal,
    workspaceRoot: options.workspaceRoot ?? process.cwd(),
    now: () => new Date(),
    secret(name) {
      const v = options.secrets?.[name]
      if (v === undefined) throw new BreytaError('invalid_input', `missing secret ${name}`)
      usedSecrets.add(v)
      return v
    },
    connection(name) {
      const c = options.connections?.[name]
      if (!c) throw new BreytaError('invalid_input', `unknown connection ${name}`)
      return {name, ...c} as Connection
    },
    resources: memoryResources(),
    kv: memoryKv(),
    callbackUrl: (key) => `http://127.0.0.1:7420/callbacks/${runId}/${encodeURIComponent(key)}?token=test`,
    renderTemplate(id) {
      const t = options.templates?.[id]
      if (t === undefined) throw new BreytaError('invalid_input', `unknown template ${id}`)
      return t
    },
    async callFunction() {
      throw new Error('callFunction is not available in this test context')
    },
    log: (m) => {
      logs.push(m)
    },
    inheritedEnv: () => ({}),
    output: () => {},
    processStarted: async () => {},
  }
}
