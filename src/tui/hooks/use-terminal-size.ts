/**
 * Terminal size, re-read on resize. Ink re-lays out on resize but does not re-render our
 * components, and the row windows are computed from these numbers.
 */
import {useEffect, useState} from 'react'
import {useStdout} from 'ink'

export interface Size {
  columns: number
  rows: number
}

export function useTerminalSize(override: Partial<Size> = {}): Size {
  const {stdout} = useStdout()
  const [size, setSize] = useState<Size>(() => ({columns: stdout.columns || 80, rows: stdout.rows || 24}))
  useEffect(() => {
    const onResize = () => setSize({columns: stdout.columns || 80, rows: stdout.rows || 24})
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  // Tests (and a caller that knows better) pin the size; ink-testing-library reports 100x?.
  return {columns: override.columns ?? size.columns, rows: override.rows ?? size.rows}
}
