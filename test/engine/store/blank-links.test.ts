/** Marker files as names of one blank inode per directory (store/fs/blank-links.ts). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {blankOf, linkMarker} from '../../../src/engine/store/fs/blank-links.js'

let dir: string
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-blank-')), 'markers')
})
afterEach(() => fs.rmSync(path.dirname(dir), {recursive: true, force: true}))

it('makes the directory and its blank on first use; markers are names of it, made once, removable', () => {
  linkMarker(path.join(dir, 'a'), dir)
  linkMarker(path.join(dir, 'b'), dir)
  linkMarker(path.join(dir, 'a'), dir)
  const blank = fs.statSync(blankOf(dir))
  expect(fs.statSync(path.join(dir, 'a')).ino).toBe(blank.ino)
  expect(fs.statSync(path.join(dir, 'b')).ino).toBe(blank.ino)
  expect(fs.statSync(blankOf(dir)).nlink).toBe(3)
  fs.unlinkSync(path.join(dir, 'a'))
  expect(fs.statSync(blankOf(dir)).nlink).toBe(2)
})

it('past the links one inode may have (ext4: 65,000), a fresh blank takes over and every marker is made', (ctx) => {
  const first = path.join(dir, 'm0')
  linkMarker(first, dir)
  const n = 65_010
  for (let i = 1; i < n; i++) linkMarker(path.join(dir, `m${i}`), dir)
  expect(fs.readdirSync(dir).filter((f) => f.startsWith('m'))).toHaveLength(n)
  // A file system without such a limit (tmpfs) never needs a second blank.
  if (fs.statSync(first).nlink === n + 1) return ctx.skip()
  expect(fs.statSync(blankOf(dir)).ino).not.toBe(fs.statSync(first).ino)
  expect(fs.statSync(path.join(dir, `m${n - 1}`)).ino).toBe(fs.statSync(blankOf(dir)).ino)
}, 60_000)
