/** Render the App against a MemorySource and drive it with keys, waiting for each frame. */
import {render} from 'ink-testing-library'
import {expect} from 'vitest'
import {App, type AppProps} from '../../src/tui/App.js'
import {clock, fixtureRuns} from './fixtures.js'
import {MemorySource} from './memory-source.js'
import type {RunDetail} from '../../src/tui/types.js'

export const tick = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms))

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g
export const strip = (text: string) => text.replace(ANSI, '')

/** Poll until `check` holds (or fail after `ms`). */
export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('waitFor: condition not met in time')
    await tick(10)
  }
}

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  backspace: '\u007F',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  tab: '\t',
  ctrlD: '\u0004',
}

export async function setup(options: {runs?: RunDetail[]; props?: Partial<AppProps>} = {}) {
  const source = new MemorySource(options.runs ?? fixtureRuns())
  const app = render(<App source={source} by="alice" clock={clock} tickMs={0} debounceMs={10} columns={80} rows={24} {...options.props} />)
  // The first render in a fresh process is slow (cold JIT): Ink attaches its input listener
  // in an effect, and a key written before that is lost. Wait for the first page first.
  await waitFor(() => source.calls.length > 0 && app.lastFrame() !== undefined)
  await tick(100)
  const frame = () => strip(app.lastFrame() ?? '')
  /**
   * Wait until the frame has stopped changing (two quiet 20 ms intervals), so a test does not
   * depend on one fixed delay being enough on a loaded machine.
   */
  const settle = async () => {
    let last = app.lastFrame()
    let quiet = 0
    const end = Date.now() + 1500
    await tick(20)
    while (Date.now() < end && quiet < 2) {
      await tick(20)
      const now = app.lastFrame()
      if (now === last) quiet++
      else {
        quiet = 0
        last = now
      }
    }
  }
  /** Press keys one at a time (a multi-char write is one paste to Ink). */
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key)
      await settle()
    }
  }
  /** Wait for the frame to show `text` (loads and actions are asynchronous). */
  const shows = async (text: string | RegExp) => {
    await waitFor(() => (typeof text === 'string' ? frame().includes(text) : text.test(frame())), 3000).catch(() => undefined)
    if (typeof text === 'string') expect(frame()).toContain(text)
    else expect(frame()).toMatch(text)
  }
  const type = async (text: string) => press(...text.split(''))
  /** The row of the list that is selected (marked with ›). */
  const selectedRow = () =>
    frame()
      .split('\n')
      .find((line) => line.startsWith('›')) ?? ''
  return {source, app, frame, press, type, selectedRow, shows, settle}
}
