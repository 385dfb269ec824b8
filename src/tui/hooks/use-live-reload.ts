/**
 * Load something through the TuiSource and load it again whenever the source reports a
 * change. A write burst (a run appending ten journal lines) coalesces into one reload: the
 * first event arms a timer and later ones ride on it, so a steady stream of changes still
 * reaches the screen within `debounceMs` instead of being postponed forever. What a load
 * brings is reported to `onEvent` (the app turns it into a state action); nothing is kept here.
 */
import {useCallback, useEffect, useRef} from 'react'
import {describeError} from '../format.js'
import type {TuiSource} from '../types.js'
import {useLatest} from './use-latest.js'

export type LoadEvent<T> =
  | {type: 'loading'}
  | {type: 'loaded'; value: T}
  /** The failure, already formatted for the status line. */
  | {type: 'failed'; error: string}

/** Returns `refresh`: load now (after an action), without waiting for the watcher. */
export function useLiveReload<T>(source: TuiSource, load: (() => Promise<T>) | null, debounceMs: number, onEvent: (event: LoadEvent<T>) => void): () => void {
  // Responses can arrive out of order; only the newest request may report.
  const generation = useRef(0)
  // The newest handler, without making `refresh` (and the subscription) change with it.
  const report = useLatest(onEvent)

  const refresh = useCallback(() => {
    if (load === null) return
    const mine = ++generation.current
    report.current({type: 'loading'})
    load().then(
      (value) => {
        if (mine === generation.current) report.current({type: 'loaded', value})
      },
      (error: unknown) => {
        if (mine === generation.current) report.current({type: 'failed', error: describeError(error)})
      },
    )
  }, [load, report])

  useEffect(() => {
    if (load === null) {
      generation.current++
      return
    }
    refresh()
    let timer: NodeJS.Timeout | undefined
    const unsubscribe = source.subscribe(() => {
      if (timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        refresh()
      }, debounceMs)
    })
    return () => {
      if (timer !== undefined) clearTimeout(timer)
      // Drop answers to requests made for the previous query or after unmount.
      generation.current++
      unsubscribe()
    }
  }, [source, load, refresh, debounceMs])

  return refresh
}
