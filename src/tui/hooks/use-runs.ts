/** The run list page: `limit` newest runs matching the filter, kept live in the app's state. */
import {useCallback, type Dispatch} from 'react'
import type {Action} from '../state.js'
import type {RunSummary, TuiSource} from '../types.js'
import {useLiveReload, type LoadEvent} from './use-live-reload.js'

function toAction(event: LoadEvent<RunSummary[]>): Action {
  switch (event.type) {
    case 'loading':
      return {type: 'runsLoading'}
    case 'loaded':
      return {type: 'runsLoaded', items: event.value}
    case 'failed':
      return {type: 'runsFailed', error: event.error}
  }
}

/** Returns `refresh`. */
export function useRuns(source: TuiSource, query: {limit: number; filter: string}, debounceMs: number, dispatch: Dispatch<Action>): () => void {
  const {limit, filter} = query
  const load = useCallback(async () => {
    const page = await source.listRuns(filter === '' ? {limit} : {limit, filter})
    return page.items
  }, [source, limit, filter])
  return useLiveReload(source, load, debounceMs, (event) => dispatch(toAction(event)))
}
