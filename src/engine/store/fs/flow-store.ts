/** Draft flows: `.breyta/flows/<slug>.edn`, committed to git as the user wrote them. */
import fs from 'node:fs'
import {BreytaError} from '../../errors.js'
import type {WorkspaceLayout} from './paths.js'
import {writeTextAtomic} from './snapshot.js'

export function listDraftSlugs(layout: WorkspaceLayout): string[] {
  try {
    return fs
      .readdirSync(layout.flowsDir)
      .filter((n) => n.endsWith('.edn'))
      .map((n) => n.slice(0, -4))
      .sort()
  } catch {
    return []
  }
}

export function draftExists(layout: WorkspaceLayout, slug: string): boolean {
  return fs.existsSync(layout.flow(slug))
}

export function readDraft(layout: WorkspaceLayout, slug: string): string {
  try {
    return fs.readFileSync(layout.flow(slug), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BreytaError('flow_not_found', `no flow "${slug}"`, {
        hint: 'List flows with `breyta flows list`; add one with `breyta flows new SLUG` or `breyta flows push FILE`.',
      })
    }
    throw err
  }
}

export function writeDraft(layout: WorkspaceLayout, slug: string, text: string): void {
  fs.mkdirSync(layout.flowsDir, {recursive: true})
  writeTextAtomic(layout.flow(slug), text.endsWith('\n') ? text : text + '\n')
}
