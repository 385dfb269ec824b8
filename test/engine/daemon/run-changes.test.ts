/**
 * The daemon's in-process change notices (long polls wait on them) and the pinned base URL of
 * its workspace: what lets a long poll answer an advance's end without reading the journal or
 * daemon.json again (issue 18).
 */
import fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {RunChanges} from '../../../src/engine/daemon/run-changes.js'
import type {RunView} from '../../../src/engine/journal/projection.js'
import {tempWorkspace, type TempWorkspace} from '../../helpers/workspace.js'

const view = {id: 'R', status: 'completed', seq: 3} as unknown as RunView

describe('RunChanges', () => {
  it('a waiter gets the view a notice carries, nothing for a bare notice or a timeout, and is gone after', async () => {
    const changes = new RunChanges()
    const withView = changes.wait('R', 10_000)
    const bare = changes.wait('S', 10_000)
    expect(changes.waiting).toBe(2)
    changes.notify('R', view)
    changes.notify('S')
    expect(await withView.changed).toBe(view)
    expect(await bare.changed).toBeUndefined()
    expect(await changes.wait('T', 1).changed).toBeUndefined()
    const cancelled = changes.wait('R', 10_000)
    cancelled.cancel()
    expect(await cancelled.changed).toBeUndefined()
    expect(changes.waiting).toBe(0)
  })
})

describe('Workspace.pinBaseUrl', () => {
  let t: TempWorkspace
  beforeEach(async () => {
    t = await tempWorkspace('breyta-pin-url-')
  })
  afterEach(() => t.cleanup())

  it('callback URLs use the pinned URL without reading daemon.json; unpinned, daemon.json again', async () => {
    fs.writeFileSync(t.ws.layout.daemonJson, JSON.stringify({pid: 1, url: 'http://127.0.0.1:1111'}))
    expect((await t.ws.callbacks()).baseUrl).toBe('http://127.0.0.1:1111')
    t.ws.pinBaseUrl('http://127.0.0.1:2222')
    fs.rmSync(t.ws.layout.daemonJson)
    expect((await t.ws.callbacks()).callbackUrl('R', 'k')).toMatch(/^http:\/\/127\.0\.0\.1:2222\//)
    t.ws.pinBaseUrl(undefined)
    fs.writeFileSync(t.ws.layout.daemonJson, JSON.stringify({pid: 1, url: 'http://127.0.0.1:3333'}))
    expect((await t.ws.callbacks()).baseUrl).toBe('http://127.0.0.1:3333')
  })
})
