/**
 * `:wait`: park the run until wait KEY is completed (by `breyta waits …`, a callback POST, or a
 * timeout). Approvals are waits whose payload is a decision; `:approval {:prompt … :show {LABEL
 * value}}` also carries the context a person needs to decide (evaluated like any config).
 */
import {Keyword, List, Sym, type Value} from '../edn/values.js'
import {StepConfig} from './config.js'
import {fields, type ConfigShape} from './schema.js'
import {StepError, type StepExecutor} from './types.js'

/** The longest wait key (characters); any key up to it has its own inbox entry (store/fs/paths.ts). */
export const MAX_WAIT_KEY_LENGTH = 4096

/** `:approval` and `:validation` are maps read with their own shapes. */
const waitConfig = {
  key: fields.text,
  'on-timeout': fields.text.optional(),
  timeout: fields.duration.optional(),
  approval: fields.map.optional(),
  validation: fields.map.optional(),
  'default-value': fields.value.optional(),
} satisfies ConfigShape
const approvalConfig = {prompt: fields.text.optional(), show: fields.map.optional()} satisfies ConfigShape
const validationConfig = {required: fields.texts.optional()} satisfies ConfigShape

export const waitStep: StepExecutor = {
  type: 'wait',
  check(config) {
    const c = new StepConfig(config, 'wait')
    const problems: string[] = []
    if (!c.has('key')) problems.push('needs :key')
    const onTimeout = c.has('on-timeout') ? c.keyword('on-timeout') : 'fail'
    if (onTimeout !== 'fail' && onTimeout !== 'continue') problems.push(':on-timeout must be :fail or :continue')
    const approval = config.get(Keyword.of('approval'))
    const show = approval instanceof Map ? approval.get(Keyword.of('show')) : undefined
    // :show is evaluated like any config, so only a literal that is not a map can be wrong here.
    if (show !== undefined && !(show instanceof Map || show instanceof List || show instanceof Sym))
      problems.push(':approval :show must be a map of label to value, e.g. {:reply draft :logs (:lines logs)}')
    return problems
  },
  async run(config, ctx) {
    const c = new StepConfig(config, 'wait', waitConfig)
    const key = c.get('key')
    if (key.length > MAX_WAIT_KEY_LENGTH) throw new StepError(`wait :key is ${key.length} characters long; at most ${MAX_WAIT_KEY_LENGTH}`, {retryable: false})
    const onTimeout = c.get('on-timeout') ?? 'fail'
    if (onTimeout !== 'fail' && onTimeout !== 'continue') throw new StepError(':on-timeout must be :fail or :continue', {retryable: false})
    const timeoutMs = c.get('timeout')
    const approval = c.get('approval')
    const validation = c.get('validation')
    const prompt = approval ? (new StepConfig(approval, 'wait', approvalConfig).get('prompt') ?? 'Approve?') : undefined
    const show = approval ? new StepConfig(approval, 'wait', approvalConfig).get('show') : undefined
    const required = validation ? (new StepConfig(validation, 'wait', validationConfig).get('required') ?? []) : undefined
    return {
      kind: 'park',
      park: {
        kind: 'wait',
        key,
        onTimeout,
        ...(timeoutMs === undefined ? {} : {timeoutAt: new Date(ctx.now().getTime() + timeoutMs).toISOString()}),
        ...(c.has('default-value') ? {defaultValue: c.get('default-value')} : {}),
        ...(prompt === undefined
          ? {}
          : {approval: {prompt, ...(show === undefined ? {} : {show: [...show].map(([k, v]): [string, Value] => [labelOf(k), v])})}}),
        ...(required === undefined ? {} : {validation: {required}}),
      },
    }
  },
}

/** A :show label: a keyword's or string's name, any other key as printed. */
function labelOf(k: Value): string {
  return k instanceof Keyword ? k.name : typeof k === 'string' ? k : String(k)
}
