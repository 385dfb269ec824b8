/** A validated flow definition, as the runtime uses it. */
import type {EdnMap, Value} from '../edn/values.js'

export type OnConflict = 'queue' | 'skip' | 'cancel-previous'

export type Concurrency =
  | {type: 'unlimited'; onNewVersion: 'drain' | 'supersede'}
  | {type: 'singleton'; onConflict: OnConflict; onNewVersion: 'drain' | 'supersede'}
  | {
      type: 'keyed'
      /** Each entry is a path into the run input, e.g. [[:repo] [:pr :number]] as keyword names. */
      key: string[][]
      max: number
      onConflict: OnConflict
      onNewVersion: 'drain' | 'supersede'
    }

export type Trigger = {type: 'manual'} | {type: 'schedule'; cron: string; timezone?: string; input?: Value} | {type: 'webhook'; secret?: string}

export interface Requirement {
  slot: string
  type?: string
  raw: EdnMap
}

export interface FunctionDef {
  id: string
  language: 'clojure'
  code: string
}

export interface FlowDefinition {
  slug: string
  name: string
  description?: string
  concurrency: Concurrency
  triggers: Trigger[]
  requires: Requirement[]
  /** Template id → content with `{{path}}` placeholders. */
  templates: Map<string, string>
  /** Function id → definition; code is a Clojure `(fn [input] …)` string. */
  functions: Map<string, FunctionDef>
  /** The `:flow` body form (a List, usually). */
  flow: Value
  /** The whole map as read. */
  raw: EdnMap
  /** Inputs a run must carry (Breyta's `:invocations … :required true`); checked at run start. */
  requiredInputs?: string[]
}
