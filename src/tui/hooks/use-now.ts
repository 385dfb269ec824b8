/** A clock that ticks, so ages and running durations advance while nothing else changes. */
import {useEffect, useState} from 'react'

export function useNow(clock: () => number, intervalMs: number): number {
  const [now, setNow] = useState(clock)
  useEffect(() => {
    if (intervalMs <= 0) return
    const timer = setInterval(() => setNow(clock()), intervalMs)
    return () => clearInterval(timer)
  }, [clock, intervalMs])
  return now
}
