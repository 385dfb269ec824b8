/**
 * Errors raised by flow code itself (unknown symbol, wrong arity, bad arguments). They are
 * `run_failed` BreytaErrors; the innermost call form that saw one is attached to the message
 * and to `details.form`, so a user can find the offending expression.
 */
import {BreytaError, type ErrorCode} from '../errors.js'
import {printEdn} from '../edn/print.js'
import {formPosition} from '../edn/positions.js'
import type {Value} from '../edn/values.js'

const FORM_LIMIT = 160

/** A form as short EDN text for messages. */
export function formText(form: Value): string {
  const s = printEdn(form)
  return s.length > FORM_LIMIT ? s.slice(0, FORM_LIMIT - 1) + '…' : s
}

export class EvalError extends BreytaError {
  private hasForm = false

  constructor(message: string, form?: Value, options: {code?: ErrorCode; hint?: string} = {}) {
    super(options.code ?? 'run_failed', message, {details: {}, hint: options.hint})
    if (form !== undefined) this.attach(form)
  }

  private hasPosition = false
  private baseMessage = ''

  /**
   * Record the form once (the innermost one wins), and the position of the innermost form
   * that has one (forms made by expanding ->, cond->, … have none; their source form has).
   */
  attach(form: Value): void {
    if (!this.hasForm) {
      this.hasForm = true
      const text = formText(form)
      ;(this.details as Record<string, unknown>).form = text
      this.message = `${this.message} in ${text}`
      this.baseMessage = this.message
    }
    const pos = this.hasPosition ? undefined : formPosition(form)
    if (pos === undefined) return
    this.hasPosition = true
    Object.assign(this.details as Record<string, unknown>, pos.file === undefined ? {} : {file: pos.file}, {line: pos.line, column: pos.column})
    this.message = `${this.baseMessage} (${pos.file === undefined ? '' : `${pos.file}, `}line ${pos.line}, column ${pos.column})`
  }
}

/** `(name): message`, e.g. `first: expected a collection, got 5`. */
export function fnError(name: string, message: string): EvalError {
  return new EvalError(`${name}: ${message}`)
}

/** Attach `form` to an EvalError passing through; anything else passes untouched. */
export function withForm(err: unknown, form: Value): unknown {
  if (err instanceof EvalError) err.attach(form)
  return err
}
