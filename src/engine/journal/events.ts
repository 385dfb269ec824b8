/**
 * Persisted shapes. Journal events are the source of truth of a run; every field is JSON.
 * EDN values (inputs, configs, outputs, payloads) are stored with the lossless `encode` of
 * edn/json.ts so replay returns exactly what a step produced.
 */
import type {Json} from '../edn/json.js'
import type {ErrorJson} from '../errors.js'

export type RunStatus = 'queued' | 'running' | 'waiting' | 'sleeping' | 'completed' | 'failed' | 'cancelled'
export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled']

export type Target = 'draft' | 'live'

/** A wait's approval: the prompt and the context it shows (label → plain JSON value, redacted). */
export interface Approval {
  prompt: string
  show?: Record<string, Json>
}

/** A failure as recorded: a SPEC error plus the step it happened in. */
export interface RecordedError extends ErrorJson {
  step?: string
  retryable?: boolean
  attempt?: number
}

interface Base {
  /** 1-based position in the journal. */
  seq: number
  /** ISO-8601 UTC. */
  at: string
}

export type JournalEvent = Base &
  (
    | {
        type: 'run_created'
        run: string
        flow: string
        target: Target
        version: number | null
        sha256: string
        input: Json
        retryOf?: string
        fromStep?: string
        trigger?: string
        queued?: boolean
      }
    | {type: 'run_started'; pid: number}
    /** A queued run got a slot under its flow's concurrency policy (written under the queue lock). */
    | {type: 'run_admitted'; pid: number}
    | {type: 'run_resumed'; pid: number}
    | {type: 'step_started'; step: string; stepType: string; position: string; attempt: number; input: Json}
    | {type: 'step_attempt_failed'; step: string; position: string; attempt: number; error: RecordedError; retryInMs?: number}
    /** An `:exec` attempt's process group, journaled (synced) before the program may run. */
    | {type: 'step_process'; step: string; position: string; attempt: number; pid: number; pgid: number; 'process-start': string | null}
    /** A recorded group found alive before a new attempt (or a cancel) was stopped. */
    | {type: 'step_process_stopped'; step: string; position: string; attempt: number; pid: number; pgid: number; signal: 'SIGTERM' | 'SIGKILL'; reason: string}
    | {type: 'step_completed'; step: string; stepType: string; position: string; attempt: number; output: Json; meta?: Json; reused?: boolean}
    | {type: 'step_failed'; step: string; position: string; attempt: number; error: RecordedError}
    | {
        type: 'wait_opened'
        step: string
        position: string
        key: string
        timeoutAt?: string
        onTimeout: 'fail' | 'continue'
        defaultValue?: Json
        approval?: Approval
        validation?: {required: string[]}
      }
    | {type: 'wait_completed'; key: string; payload: Json; source: 'cli' | 'callback' | 'timeout' | 'api'; by?: string; decision?: string}
    | {type: 'sleep_started'; step: string; position: string; until: string}
    | {type: 'run_parked'; status: 'waiting' | 'sleeping'; wakeAt?: string}
    | {type: 'run_completed'; output: Json}
    | {type: 'run_failed'; error: RecordedError}
    | {type: 'run_cancelled'; reason?: string}
    | {type: 'log'; step?: string; message: string}
    /** The daemon refused a callback for this run (wrong token, bad JSON, failed validation…); the body is never recorded. */
    | {type: 'callback_rejected'; key: string; status: number; code: string; message: string}
  )

export type JournalEventType = JournalEvent['type']

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
/** An event as written by its producer; the journal adds `seq`. */
export type UnsequencedEvent = DistributiveOmit<JournalEvent, 'seq'>
/** An event before it is stamped with `seq` and `at`. */
export type NewJournalEvent = DistributiveOmit<JournalEvent, 'seq' | 'at'>
