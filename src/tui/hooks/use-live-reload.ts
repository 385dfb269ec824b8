/**
 * Load something through the TuiSource and load it again whenever the source reports a
 * change. A write burst (a run appending ten journal lines) coalesces into one reload: the
 * first event arms a timer and later ones ride on it, so a steady stream of changes still
 * reaches the screen within `debounceMs` instead of being postponed forever.
 */
import {useCallback, useEffect, useRef, useState} from 'react'
import {describeError} from '../format.js'
import type {TuiSource} from '../types.js'

export interface LiveState<T> {
  data: T | null
  /** The last load's failure, already formatted for the status line. */
  error: string | null
  loading: boolean
  /** Load now (after an action), without waiting for the watcher. */
  refresh: () => void
}

export function useLiveReload<T>(
  source: TuiSource,
  load: (() => Promise<T>) | null,
  debounceMs: number,
): LiveState<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(load !== null)
  // Responses can arrive out of order; only the newest request may update state.
  const generation = useRef(0)

  const refresh = useCallback(() => {
    if (load === null) return
    const mine = ++generation.current
    setLoading(true)
    load().then(
      (value) => {
        if (mine !== generation.current) return
        setData(value)
        setError(null)
        setLoading(false)
      },
      (error_: unknown) => {
        if (mine !== generation.current) return
        setError(describeError(error_))
        setLoading(false)
      },
    )
  }, [load])

  useEffect(() => {
    if (load === null) {
      generation.current++
      setData(null)
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

  return {data, error, loading, refresh}
}
