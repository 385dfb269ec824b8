/** Parsed workspace files kept until they change (file-cache.ts). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readParsed} from '../../../src/engine/store/fs/file-cache.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-file-cache-'))
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

describe('readParsed', () => {
  it('parses once while the file stays the same, again after an atomic rewrite or an in-place edit, and gives the default when it is gone', () => {
    const file = path.join(dir, 'c.edn')
    let parses = 0
    const parse = (text: string) => {
      parses++
      return {text}
    }
    expect(readParsed(file, parse, null)).toBeNull()
    fs.writeFileSync(file, 'one')
    expect(readParsed(file, parse, null)).toEqual({text: 'one'})
    expect(readParsed(file, parse, null)).toEqual({text: 'one'})
    expect(parses).toBe(1)
    // Atomic rewrite: a new inode renamed over the old name.
    fs.writeFileSync(`${file}.tmp`, 'two')
    fs.renameSync(`${file}.tmp`, file)
    expect(readParsed(file, parse, null)).toEqual({text: 'two'})
    // In place, longer.
    fs.writeFileSync(file, 'three!')
    expect(readParsed(file, parse, null)).toEqual({text: 'three!'})
    expect(parses).toBe(3)
    fs.rmSync(file)
    expect(readParsed(file, parse, null)).toBeNull()
  })

  it('does not cache a parse that throws', () => {
    const file = path.join(dir, 'bad.edn')
    fs.writeFileSync(file, 'x')
    let n = 0
    const parse = () => {
      n++
      throw new Error('bad')
    }
    expect(() => readParsed(file, parse, null)).toThrow('bad')
    expect(() => readParsed(file, parse, null)).toThrow('bad')
    expect(n).toBe(2)
  })
})
