import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {runTui} from '../../src/tui/render.js'
import {MemorySource} from './memory-source.js'

describe('runTui', () => {
  it('refuses a stdin that is not a terminal with a clear, coded error', async () => {
    const stdin = Object.assign(new PassThrough(), {isTTY: false}) as unknown as NodeJS.ReadStream
    const error = await runTui(new MemorySource([]), {by: 'alice', stdin}).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'invalid_input', message: expect.stringContaining('needs an interactive terminal')})
    expect((error as {hint: string}).hint).toContain('runs list --json')
  })
})
