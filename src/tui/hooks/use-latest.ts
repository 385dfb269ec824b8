/**
 * The newest value of something an effect or a long-lived callback uses but must not be
 * re-created for (a callback made anew each render). Set at commit time, so a key or an
 * answer that arrives before the next passive effect already sees it.
 */
import {useLayoutEffect, useRef} from 'react'

export function useLatest<T>(value: T): {readonly current: T} {
  const ref = useRef(value)
  useLayoutEffect(() => {
    ref.current = value
  })
  return ref
}
