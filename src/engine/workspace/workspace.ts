/** An open workspace: its layout, configuration and key. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {GITIGNORE_LINES, WorkspaceLayout} from '../store/fs/paths.js'
import {readJsonFile, writeTextAtomic} from '../store/fs/snapshot.js'
import {callbackUrl, runStatusUrl} from './callback-url.js'
import {DEFAULT_CONFIG_TEXT, readConfig, type WorkspaceConfig} from './config.js'
import {findWorkspace, type FindOptions} from './find.js'

export class Workspace {
  private configCache?: WorkspaceConfig
  private keyCache?: Buffer

  constructor(readonly layout: WorkspaceLayout) {}

  /** The directory that contains `.breyta/`. */
  get root(): string {
    return this.layout.root
  }

  get config(): WorkspaceConfig {
    this.configCache ??= readConfig(this.layout.config)
    return this.configCache
  }

  /** Base URL of the daemon's HTTP server: config, else the running daemon, else the default. */
  get baseUrl(): string {
    if (this.config.daemon.baseUrl) return this.config.daemon.baseUrl
    const running = readJsonFile<{url?: string}>(this.layout.daemonJson)
    if (running?.url) return running.url
    return `http://${this.config.daemon.host}:${this.config.daemon.port}`
  }

  callbackUrl(runId: string, waitKey: string): string {
    return callbackUrl(this.baseUrl, this.key, runId, waitKey)
  }

  /** `GET /runs/RUN?token=…` on the daemon: the run as `runs show --json` shows it. */
  runStatusUrl(runId: string): string {
    return runStatusUrl(this.baseUrl, this.key, runId)
  }

  /** The workspace's secret key (kept out of git) for callback tokens; created on first use. */
  get key(): Buffer {
    if (!this.keyCache) {
      try {
        this.keyCache = Buffer.from(fs.readFileSync(this.layout.key, 'utf8').trim(), 'hex')
      } catch {
        const key = crypto.randomBytes(32)
        try {
          fs.writeFileSync(this.layout.key, key.toString('hex') + '\n', {mode: 0o600, flag: 'wx'})
          this.keyCache = key
        } catch {
          // Another process created it first: use theirs.
          this.keyCache = Buffer.from(fs.readFileSync(this.layout.key, 'utf8').trim(), 'hex')
        }
      }
    }
    return this.keyCache
  }
}

export async function openWorkspace(options: FindOptions): Promise<Workspace> {
  return new Workspace(findWorkspace(options))
}

export interface InitResult {
  root: string
  dir: string
  created: string[]
  'already-initialized': boolean
}

/** Create `.breyta/` in `root`, filling in whatever is missing; never overwrites. */
export function initWorkspace(root: string): InitResult {
  const layout = new WorkspaceLayout(root)
  const alreadyInitialized = fs.existsSync(layout.dir)
  const created: string[] = []
  for (const dir of [layout.dir, layout.flowsDir, layout.releasesDir, layout.runsDir]) {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, {recursive: true})
      created.push(dir)
    }
  }
  const files: [string, string][] = [
    [layout.config, DEFAULT_CONFIG_TEXT],
    [layout.gitignore, GITIGNORE_LINES.join('\n') + '\n'],
    [layout.connections, ';; named connections; auth values name secrets, never hold them\n{}\n'],
  ]
  for (const [file, text] of files) {
    if (!fs.existsSync(file)) {
      writeTextAtomic(file, text)
      created.push(file)
    }
  }
  const ws = new Workspace(layout)
  if (!fs.existsSync(layout.key)) {
    void ws.key
    created.push(layout.key)
  }
  return {root: layout.root, dir: layout.dir, created, 'already-initialized': alreadyInitialized}
}
