/**
 * The daemon learns of released flows from watchReleases: flow directories copied in whole while
 * it runs (a `git pull`) are each reported, including those whose release.edn was written before
 * the watch on their new directory was set (the sweep's job).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {watchReleases} from '../../../src/engine/store/fs/local-files.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {until} from '../../helpers/workspace.js'

let root: string
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-release-watch-'))
})
afterEach(() => fs.rmSync(root, {recursive: true, force: true}))

it('reports every flow directory copied in while it watches, and later changes to one', async () => {
  const layout = new WorkspaceLayout(root)
  fs.mkdirSync(path.join(layout.releasesDir, 'before'), {recursive: true})
  fs.writeFileSync(path.join(layout.releasesDir, 'before', 'release.edn'), '{:live 1}\n')
  const seen = new Set<string>()
  const watch = watchReleases(layout, (slug) => seen.add(slug), 100)
  try {
    const slugs = Array.from({length: 20}, (_, i) => `flow-${i}`)
    for (const slug of slugs) {
      fs.mkdirSync(path.join(layout.releasesDir, slug))
      fs.writeFileSync(path.join(layout.releasesDir, slug, 'release.edn'), '{:live 1}\n')
    }
    await until(() => slugs.every((s) => seen.has(s)), 10_000)
    // What was there before the watch began is not a change.
    expect(seen.has('before')).toBe(false)
    const later = path.join(layout.releasesDir, 'before', 'release.edn')
    fs.writeFileSync(later, '{:live 2}\n')
    fs.utimesSync(later, new Date(), new Date(Date.now() + 5000))
    await until(() => seen.has('before'), 10_000)
  } finally {
    await watch.close()
  }
})
