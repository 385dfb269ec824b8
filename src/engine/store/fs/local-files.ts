/**
 * `LocalFiles` (store/types.ts) on `.breyta/`: what stays in the checkout or on this machine
 * whatever the store is. Each method is the call the engine made with a path before.
 */
import fs from 'node:fs'
import path from 'node:path'
import {watch, type FSWatcher} from 'chokidar'
import {BreytaError} from '../../errors.js'
import type {Connection, DaemonInfo, LocalFiles, ReleaseIndex, SecretListing, StepLogs} from '../types.js'
import {readConnections, readConnectionsSync} from './connection-store.js'
import {draftExists, listDraftSlugs, readDraft, writeDraft} from './flow-store.js'
import {lock, tryLock} from './lock.js'
import {assertSlug, type WorkspaceLayout} from './paths.js'
import {createReleaseVersion, readReleaseIndex, readReleasedText, writeReleaseIndex} from './release-store.js'
import {listSecretNames, readSecrets, readSecretsSync, setSecret} from './secret-store.js'
import {StepLogReader, StepLogWriter, stepLogIds} from './step-log.js'
import {readJsonFile, writeSnapshot} from './snapshot.js'

export class FsLocalFiles implements LocalFiles {
  readonly stepLogs: StepLogs

  constructor(readonly layout: WorkspaceLayout) {
    this.stepLogs = {
      ids: (runId) => stepLogIds(layout, runId),
      reader: (runId, stepId) => new StepLogReader(layout, runId, stepId),
      writer: (runId, stepId, attempt, maxBytes) => new StepLogWriter(layout, runId, stepId, attempt, maxBytes),
    }
  }

  get root(): string {
    return this.layout.root
  }

  get daemonLog(): string {
    return this.layout.daemonLog
  }

  openDaemonLog(): {fd: number; close(): void} {
    fs.mkdirSync(path.dirname(this.layout.daemonLog), {recursive: true})
    const fd = fs.openSync(this.layout.daemonLog, 'a')
    return {fd, close: () => fs.closeSync(fd)}
  }

  daemonLogTail(lines: number): string {
    try {
      return fs.readFileSync(this.layout.daemonLog, 'utf8').split('\n').slice(-lines).join('\n').trim()
    } catch {
      return ''
    }
  }

  get daemonSocket(): string {
    return this.layout.daemonSocket
  }

  async takeDaemonLock(): Promise<{release(): void} | undefined> {
    const l = tryLock(this.layout.daemonLock, 'daemon')
    if (l) return l
    fs.rmSync(this.layout.daemonLock, {force: true})
    return tryLock(this.layout.daemonLock, 'daemon')
  }

  async draftSlugs(): Promise<string[]> {
    return listDraftSlugs(this.layout)
  }

  async draftExists(slug: string): Promise<boolean> {
    return draftExists(this.layout, slug)
  }

  async readDraft(slug: string): Promise<string> {
    return readDraft(this.layout, slug)
  }

  async writeDraft(slug: string, text: string): Promise<void> {
    writeDraft(this.layout, slug, text)
  }

  draftPath(slug: string): string {
    return this.layout.flow(slug)
  }

  async readReleaseIndex(slug: string): Promise<ReleaseIndex | undefined> {
    return readReleaseIndex(this.layout, slug)
  }

  async writeReleaseIndex(slug: string, index: ReleaseIndex): Promise<boolean> {
    return writeReleaseIndex(this.layout, slug, index)
  }

  async readReleasedText(slug: string, version: number): Promise<{text: string; sha256: string} | undefined> {
    return readReleasedText(this.layout, slug, version)
  }

  async createReleaseVersion(slug: string, version: number, text: string): Promise<void> {
    createReleaseVersion(this.layout, slug, version, text)
  }

  /** The lock lives under queue/ (kept out of releases/, which is committed). */
  async withReleaseLock<T>(slug: string, fn: () => T | Promise<T>): Promise<T> {
    fs.mkdirSync(this.layout.queueDir, {recursive: true})
    const l = await lock(this.layout.releaseLock(slug), {timeoutMs: 30_000, purpose: 'release'})
    if (!l)
      throw new BreytaError('internal', `another process has held the release lock of "${slug}" for 30s`, {
        hint: 'Try again; if it persists, look for a stuck breyta process.',
      })
    try {
      return await fn()
    } finally {
      l.release()
    }
  }

  async releasedSlugs(): Promise<string[]> {
    let names: string[]
    try {
      names = fs.readdirSync(this.layout.releasesDir)
    } catch {
      return []
    }
    return names.filter((n) => {
      try {
        assertSlug(n)
        return true
      } catch {
        return false
      }
    })
  }

  readConnections(): ReturnType<LocalFiles['readConnections']> {
    return readConnections(this.layout)
  }

  readSecrets(): Promise<Record<string, string>> {
    return readSecrets(this.layout)
  }

  setSecret(name: string, value: string): Promise<void> {
    return setSecret(this.layout, name, value)
  }

  listSecretNames(env: NodeJS.ProcessEnv): Promise<SecretListing[]> {
    return listSecretNames(this.layout, env)
  }

  secretsNow(): Record<string, string> {
    return readSecretsSync(this.layout)
  }

  connectionsNow(): Record<string, Connection> {
    return readConnectionsSync(this.layout)
  }

  secretsStamp(): string {
    return `${mtime(this.layout.secrets)} ${mtime(this.layout.connections)}`
  }

  watchReleases(onFlow: (slug: string) => void): {close(): Promise<void>} {
    return watchReleases(this.layout, onFlow)
  }

  async readDaemonInfo(): Promise<DaemonInfo | undefined> {
    return readJsonFile<DaemonInfo>(this.layout.daemonJson)
  }

  async writeDaemonInfo(info: DaemonInfo): Promise<void> {
    writeSnapshot(this.layout.daemonJson, info)
  }

  async removeDaemonInfo(ifPid?: number): Promise<void> {
    if (ifPid !== undefined && readJsonFile<DaemonInfo>(this.layout.daemonJson)?.pid !== ifPid) return
    fs.rmSync(this.layout.daemonJson, {force: true})
  }
}

function mtime(file: string): number {
  // Asked for every HTTP answer (the redactor's freshness): a missing file without an Error.
  try {
    return fs.statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? 0
  } catch {
    return 0
  }
}

/** How often the releases directory is re-read in case the watch missed a change. */
const RELEASES_SWEEP_MS = 2000

/**
 * Calls `onFlow(slug)` when a flow's releases change (a release or promote rewrites release.edn).
 * A release directory copied in whole (what `git pull` does) can outrun inotify: the watch on the
 * new directory is set after its release.edn was written, and no event comes (about 1 in 10).
 * So a sweep compares each flow's release.edn mtime every 2 s and reports what the watch missed.
 */
export function watchReleases(layout: WorkspaceLayout, onFlow: (slug: string) => void, sweepMs = RELEASES_SWEEP_MS): {close(): Promise<void>} {
  const dir = layout.releasesDir
  fs.mkdirSync(dir, {recursive: true})
  const seen = new Map<string, number>()
  const look = (slug: string, report: boolean) => {
    const at = mtime(path.join(dir, slug, 'release.edn'))
    if (seen.get(slug) === at) return
    seen.set(slug, at)
    if (report) onFlow(slug)
  }
  const sweep = (report: boolean) => {
    let slugs: string[]
    try {
      slugs = fs.readdirSync(dir)
    } catch {
      return
    }
    for (const slug of new Set([...slugs, ...seen.keys()])) look(slug, report)
  }
  sweep(false)
  const w: FSWatcher = watch(dir, {
    ignoreInitial: true,
    depth: 1,
    ignored: (p, stats) => Boolean(stats?.isFile()) && !p.endsWith('release.edn'),
  })
  const changed = (p: string) => {
    const rel = path.relative(dir, p).split(path.sep)
    if (rel[0] && rel[0] !== '..') {
      seen.set(rel[0], mtime(path.join(dir, rel[0], 'release.edn')))
      onFlow(rel[0])
    }
  }
  w.on('add', changed).on('change', changed).on('unlink', changed).on('unlinkDir', changed)
  const timer = setInterval(() => sweep(true), sweepMs)
  timer.unref()
  return {
    close: () => {
      clearInterval(timer)
      return w.close()
    },
  }
}
