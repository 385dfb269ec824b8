/** The open run's full detail (`runs show --json` shape), kept live; idle when no run is open. */
import {useCallback} from 'react'
import type {RunDetail, TuiSource} from '../types.js'
import {useLiveReload, type LiveState} from './use-live-reload.js'

export function useRun(source: TuiSource, runId: string | null, debounceMs: number): LiveState<RunDetail> {
  const load = useCallback(async () => source.getRun(runId as string), [source, runId])
  return useLiveReload(source, runId === null ? null : load, debounceMs)
}
