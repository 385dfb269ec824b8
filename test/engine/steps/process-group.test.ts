import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {groupAlive, processStartTime, stopGroup} from '../../../src/engine/steps/process-group.js'

/** A detached group whose leader, once told, exits and leaves a member behind (as a careless program would). */
async function orphanedGroup(): Promise<{pgid: number; start: string; leave(): Promise<void>}> {
  const leader = spawn('/bin/sh', ['-c', 'sleep 30 & echo ready; read _'], {detached: true, stdio: ['pipe', 'pipe', 'ignore']})
  await new Promise<void>((resolve) => leader.stdout.once('data', () => resolve()))
  const start = processStartTime(leader.pid!)!
  const exited = new Promise<void>((resolve) => leader.once('exit', () => resolve()))
  return {pgid: leader.pid!, start, leave: () => (leader.stdin.end('\n'), exited)}
}

describe('process groups across crashes', () => {
  it('a recorded group is alive by its start time: a reused pid (another start time) is never claimed', () => {
    const start = processStartTime(process.pid)
    expect(start).toMatch(/^\d+$/)
    expect(groupAlive({pid: process.pid, pgid: process.pid, 'process-start': start!})).toBe(true)
    expect(groupAlive({pid: process.pid, pgid: process.pid, 'process-start': String(Number(start) + 1)})).toBe(false)
    expect(groupAlive({pid: process.pid, pgid: process.pid, 'process-start': null})).toBe(false)
  })

  it('stops a group whose leader is gone but whose members still run, and leaves a dead one alone', async () => {
    const {pgid, start, leave} = await orphanedGroup()
    await leave()
    expect(processStartTime(pgid)).toBeUndefined()
    const p = {pid: pgid, pgid, 'process-start': start}
    expect(groupAlive(p)).toBe(true)
    expect(await stopGroup(p, 2000)).toBe('SIGTERM')
    expect(groupAlive(p)).toBe(false)
    expect(await stopGroup(p, 2000)).toBe(null)
  })
})
