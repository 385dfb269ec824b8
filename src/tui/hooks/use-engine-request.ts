/**
 * The TUI's side effects: the engine call the state asks for (approve, reject, cancel) and
 * quitting. The reducer (state.ts) only records what it wants; this makes the call, reports
 * the outcome as an action (an error lands in the status line, never in an exception) and
 * reloads what the call changed.
 */
import {useEffect, type Dispatch} from 'react'
import {describeError} from '../format.js'
import type {Action, EngineRequest} from '../state.js'
import type {TuiSource} from '../types.js'
import {useLatest} from './use-latest.js'

function callEngine(source: TuiSource, call: EngineRequest['call']): Promise<void> {
  switch (call.kind) {
    case 'approve':
      return source.approve(call.runId, call.key, {by: call.by})
    case 'reject':
      return source.reject(call.runId, call.key, {by: call.by, comment: call.comment})
    case 'cancel':
      return source.cancel(call.runId)
  }
}

/** Each request object is made once by the reducer and replaced by null when it ends, so the effect runs once per request. */
export function useEngineRequest(source: TuiSource, request: EngineRequest | null, dispatch: Dispatch<Action>, refresh: () => void): void {
  // refresh changes with the list query; a new query must not repeat the call.
  const reload = useLatest(refresh)
  useEffect(() => {
    if (request === null) return
    // Through then(), so a source that throws instead of rejecting still lands in the status line.
    Promise.resolve()
      .then(async () => callEngine(source, request.call))
      .then(
        () => dispatch({type: 'requestDone'}),
        (error: unknown) => dispatch({type: 'requestFailed', error: describeError(error)}),
      )
      .finally(() => reload.current())
  }, [source, request, dispatch, reload])
}

/** Quitting is a state change (`q`); leaving Ink is its effect. */
export function useQuit(quit: boolean, exit: () => void, onQuit: (() => void) | undefined): void {
  const leave = useLatest(() => {
    onQuit?.()
    exit()
  })
  useEffect(() => {
    if (quit) leave.current()
  }, [quit, leave])
}
