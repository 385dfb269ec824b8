/**
 * Resources: artifacts behind `res://<run-id>/<name>` URIs, stored as
 * `.breyta/resources/<run-id>/<name>` with a JSON sidecar `.meta/<name>.json` holding the
 * content type, size and creation time. A URI is untrusted input (it comes from flow code,
 * step outputs and the CLI), so `resolveResourceUri` admits exactly one run-id segment and one
 * plain name segment and re-checks the real path, symlinks included, before any read.
 */
import {randomBytes} from 'node:crypto'
import {lstat, mkdir, readdir, readFile, realpath} from 'node:fs/promises'
import path from 'node:path'
import type WriteFileAtomic from 'write-file-atomic'
import {lazyRequire} from '../../lazy.js'
import {BreytaError} from '../../errors.js'
import type {ResourceListing, ResourceRef} from '../types.js'
import {invalidResourceUri, parseResourceUri, RES_SCHEME, RESOURCE_NAME, resourceNotFound as notFound, resourceUri} from '../names.js'
import {isRunId, type WorkspaceLayout} from './paths.js'

const writeFileAtomic = lazyRequire<typeof WriteFileAtomic>('write-file-atomic')

export {RES_SCHEME} from '../names.js'
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** One path segment, never `.`/`..` or hidden (the sidecar dir is `.meta`). */

export interface ResourceMeta {
  'content-type': string
  size: number
  'created-at': string
}

export type {ResourceListing} from '../types.js'

export interface ResourceLocation {
  runId: string
  name: string
  uri: string
  /** Absolute path of the bytes. */
  file: string
}

/** Make any string a valid resource name (step ids carry `[i]` suffixes, for instance). */
export {sanitizeResourceName} from '../names.js'

export {resourceUri} from '../names.js'

/**
 * Parse and confine a URI. Percent-encoding is decoded first and the result checked, so
 * `%2e%2e%2f` is treated exactly like `../`. Anything with more or fewer than two segments,
 * a backslash, a NUL or a name that is not a plain segment is `invalid_input`; a well-formed
 * URI naming nothing is `resource_not_found` (from `getResource`).
 */
export function resolveResourceUri(layout: WorkspaceLayout, uri: string): ResourceLocation {
  const {runId, name} = parseResourceUri(uri)
  const file = layout.resourceFile(runId, name)
  // Belt and braces: the lexical result must still be inside resources/.
  const rel = path.relative(layout.resourcesDir, file)
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw invalidResourceUri(uri, 'it points outside resources/')
  return {runId, name, uri: resourceUri(runId, name), file}
}

/** Refuse a file that is a symlink or whose real path leaves resources/ (a symlinked run dir). */
async function assertConfined(layout: WorkspaceLayout, loc: ResourceLocation): Promise<void> {
  let st
  try {
    st = await lstat(loc.file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw notFound(loc.uri)
    throw err
  }
  if (!st.isFile()) throw notFound(loc.uri)
  const [realFile, realRoot] = await Promise.all([realpath(loc.file), realpath(layout.resourcesDir)])
  if (!realFile.startsWith(realRoot + path.sep)) throw notFound(loc.uri)
}

async function readMeta(layout: WorkspaceLayout, runId: string, name: string): Promise<ResourceMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(layout.resourceMeta(runId, name), 'utf8')) as Partial<ResourceMeta>
    if (typeof meta['content-type'] !== 'string') return undefined
    return meta as ResourceMeta
  } catch {
    return undefined
  }
}

/**
 * Store bytes for a run. The data is written (atomically) before its sidecar, so a sidecar
 * always describes complete bytes; re-putting the same name (a retried attempt) replaces both.
 */
export async function putResource(
  layout: WorkspaceLayout,
  runId: string,
  data: Buffer | string,
  options: {name?: string; contentType?: string; now?: Date} = {},
): Promise<ResourceRef> {
  if (!isRunId(runId)) throw new BreytaError('invalid_input', `"${runId}" is not a run id`)
  const name = options.name === undefined ? `r-${randomBytes(8).toString('hex')}` : options.name
  if (!RESOURCE_NAME.test(name))
    throw new BreytaError('invalid_input', `"${name}" is not a valid resource name`, {
      hint: 'Use letters, digits, ".", "_" and "-" (use sanitizeResourceName).',
    })
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const contentType = options.contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : DEFAULT_CONTENT_TYPE)
  await mkdir(path.dirname(layout.resourceMeta(runId, name)), {recursive: true})
  await writeFileAtomic()(layout.resourceFile(runId, name), buf)
  const meta: ResourceMeta = {'content-type': contentType, size: buf.length, 'created-at': (options.now ?? new Date()).toISOString()}
  await writeFileAtomic()(layout.resourceMeta(runId, name), JSON.stringify(meta) + '\n')
  return {ref: resourceUri(runId, name), size: buf.length, contentType}
}

/** Read a resource's bytes; `path` is where they live (for `resources get --json`). */
export async function getResource(layout: WorkspaceLayout, uri: string): Promise<{data: Buffer; contentType: string; size: number; path: string; uri: string}> {
  const loc = resolveResourceUri(layout, uri)
  await assertConfined(layout, loc)
  const data = await readFile(loc.file)
  const meta = await readMeta(layout, loc.runId, loc.name)
  return {data, contentType: meta?.['content-type'] ?? DEFAULT_CONTENT_TYPE, size: data.length, path: loc.file, uri: loc.uri}
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw err
  }
}

/** Resources newest run first (run ids are ULIDs), then by creation time within a run. */
export async function listResources(layout: WorkspaceLayout, options: {runId?: string} = {}): Promise<ResourceListing[]> {
  if (options.runId !== undefined && !isRunId(options.runId)) {
    throw new BreytaError('run_not_found', `no run "${options.runId}"`, {hint: 'List runs with `breyta runs list`.'})
  }
  const runIds = options.runId === undefined ? (await listDir(layout.resourcesDir)).filter(isRunId).sort().reverse() : [options.runId]
  const out: ResourceListing[] = []
  for (const runId of runIds) {
    const rows: ResourceListing[] = []
    for (const name of await listDir(layout.resourceRunDir(runId))) {
      if (!RESOURCE_NAME.test(name)) continue
      const meta = await readMeta(layout, runId, name)
      // No sidecar yet means the put is still in flight (data is written first).
      if (meta === undefined) continue
      rows.push({uri: resourceUri(runId, name), size: meta.size, 'content-type': meta['content-type'], 'created-at': meta['created-at']})
    }
    rows.sort((a, b) => a['created-at'].localeCompare(b['created-at']) || a.uri.localeCompare(b.uri))
    out.push(...rows)
  }
  return out
}
