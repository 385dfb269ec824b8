/**
 * Released versions: `releases/<slug>/v<N>.edn` (the draft text exactly, never rewritten) and
 * `releases/<slug>/release.edn` (the live pointer and the version list). Both are committed,
 * so release.edn is written by the deterministic EDN writer and only when its bytes change.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {BreytaError} from '../../errors.js'
import {readEdn} from '../../edn/read.js'
import {writeEdn} from '../../edn/write.js'
import {emap, field, type Value} from '../../edn/values.js'
import {readParsed} from './file-cache.js'
import type {WorkspaceLayout} from './paths.js'
import {writeTextAtomic} from './snapshot.js'
import type {ReleaseIndex, ReleaseVersion} from '../types.js'

export type {ReleaseIndex, ReleaseVersion} from '../types.js'

/** release.edn text: stable key order, one version per line, trailing newline. */
export function releaseIndexText(index: ReleaseIndex): string {
  const versions = index.versions.map((v) =>
    writeEdn(emap({version: v.version, sha256: v.sha256, note: v.note, 'created-at': v['created-at']}), {width: 1000}).trimEnd(),
  )
  const body = versions.length === 0 ? '[]' : '[' + versions.join('\n            ') + ']'
  return `{:live     ${index.live === null ? 'nil' : index.live}\n :versions ${body}}\n`
}

export function readReleaseIndex(layout: WorkspaceLayout, slug: string): ReleaseIndex | undefined {
  // Parsed once while the file stays the same (every webhook reads it); callers only read it.
  return readParsed<ReleaseIndex | undefined>(layout.releaseIndex(slug), (text) => parseReleaseIndex(slug, text), undefined)
}

function parseReleaseIndex(slug: string, text: string): ReleaseIndex {
  const file = `releases/${slug}/release.edn`
  const m = readEdn(text, {file})
  const live = field(m, 'live')
  const versions = field(m, 'versions')
  if (!(m instanceof Map) || !Array.isArray(versions) || (live !== null && live !== undefined && typeof live !== 'number')) {
    throw new BreytaError('internal', `${file} is not a release index`, {
      hint: 'It should look like {:live 1 :versions [{:version 1 :sha256 "…" :note nil :created-at "…"}]}.',
    })
  }
  return {
    live: typeof live === 'number' ? live : null,
    versions: versions.map((v: Value) => ({
      version: Number(field(v, 'version')),
      sha256: String(field(v, 'sha256')),
      note: typeof field(v, 'note') === 'string' ? (field(v, 'note') as string) : null,
      'created-at': String(field(v, 'created-at') ?? ''),
    })),
  }
}

/** Write release.edn when its bytes differ; true when the file changed. */
export function writeReleaseIndex(layout: WorkspaceLayout, slug: string, index: ReleaseIndex): boolean {
  const text = releaseIndexText(index)
  const file = layout.releaseIndex(slug)
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false
  } catch {
    // not there yet
  }
  fs.mkdirSync(layout.releaseDir(slug), {recursive: true})
  writeTextAtomic(file, text)
  return true
}

/** A released version's text with its sha256, read and hashed once (versions never change). */
export function readReleasedText(layout: WorkspaceLayout, slug: string, version: number): {text: string; sha256: string} | undefined {
  return readParsed(layout.releaseVersion(slug, version), (text) => ({text, sha256: crypto.createHash('sha256').update(text).digest('hex')}), undefined)
}

/**
 * Create `v<N>.edn` once: written to a temp file, fsync'd, then hard-linked into place, which
 * fails if the version exists, so a released version is never overwritten (or half written).
 */
export function createReleaseVersion(layout: WorkspaceLayout, slug: string, version: number, text: string): void {
  const file = layout.releaseVersion(slug, version)
  fs.mkdirSync(layout.releaseDir(slug), {recursive: true})
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, text)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.linkSync(tmp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BreytaError('internal', `releases/${slug}/v${version}.edn already exists; released versions are immutable`, {
        hint: 'release.edn and the version files disagree; check `git status .breyta/releases`.',
      })
    }
    throw err
  } finally {
    fs.rmSync(tmp, {force: true})
  }
}
