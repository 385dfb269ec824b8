/** The run list page: `limit` newest runs matching the filter, kept live. */
import {useCallback} from 'react'
import type {RunSummary, TuiSource} from '../types.js'
import {useLiveReload, type LiveState} from './use-live-reload.js'

export function useRuns(source: TuiSource, query: {limit: number; filter: string}, debounceMs: number): LiveState<RunSummary[]> {
  const {limit, filter} = query
  const load = useCallback(async () => {
    const page = await source.listRuns(filter === '' ? {limit} : {limit, filter})
    return page.items
  }, [source, limit, filter])
  return useLiveReload(source, load, debounceMs)
}
