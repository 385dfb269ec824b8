/** The open run's full detail (`runs show --json` shape), kept live in the app's state; idle when no run is open. */
import {useCallback, type Dispatch} from 'react'
import type {Action} from '../state.js'
import type {RunDetail, TuiSource} from '../types.js'
import {useLiveReload} from './use-live-reload.js'

/** Returns `refresh`. */
export function useRun(source: TuiSource, runId: string | null, debounceMs: number, dispatch: Dispatch<Action>): () => void {
  const load = useCallback(async () => source.getRun(runId as string), [source, runId])
  return useLiveReload(source, runId === null ? null : load, debounceMs, (event) => {
    if (event.type === 'loaded') dispatch({type: 'runLoaded', run: event.value})
    else if (event.type === 'failed') dispatch({type: 'runFailed', error: event.error})
  })
}
