/** An open workspace: its store (files or PostgreSQL, store-choice.ts), its local files, its configuration and callback key. */
import fs from 'node:fs'
import {GITIGNORE_LINES, WorkspaceLayout} from '../store/fs/paths.js'
import {FsLocalFiles} from '../store/fs/local-files.js'
import {readOrCreateKey} from '../store/fs/fs-store.js'
import {writeTextAtomic} from '../store/fs/snapshot.js'
import type {LocalFiles, Store} from '../store/types.js'
import {callbackUrl, runStatusUrl} from './callback-url.js'
import {DEFAULT_CONFIG_TEXT, readConfig, type WorkspaceConfig} from './config.js'
import {findWorkspace, type FindOptions} from './find.js'
import {openStore} from './store-choice.js'

export interface WorkspaceOptions {
  /** Where the store's URL and its secret are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv
  /** Connections of a PostgreSQL store's pool. */
  poolMax?: number
  /** The daemon's own URL, for the daemon's threads: see pinBaseUrl. */
  baseUrl?: string
}

/** What signs and addresses callback URLs, read once (the key and daemon.json are I/O). */
export interface CallbackSigner {
  baseUrl: string
  key: Buffer
  callbackUrl(runId: string, waitKey: string): string
  /** `GET /runs/RUN?token=…` on the daemon: the run as `runs show --json` shows it. */
  runStatusUrl(runId: string): string
}

export class Workspace {
  private configCache?: WorkspaceConfig
  private storeCache?: Store
  private localCache?: FsLocalFiles

  /**
   * `layout` is the files' map for the store's own implementation (store/fs/) and for tests
   * that look at the files; the engine reaches `.breyta/` only through `store` and `local`.
   */
  constructor(
    readonly layout: WorkspaceLayout,
    private readonly options: WorkspaceOptions = {},
  ) {}

  /** The directory that contains `.breyta/`. */
  get root(): string {
    return this.layout.root
  }

  /**
   * The run state (runs, journals, leases, inbox, queue, signals, kv, resources, key): files, or
   * the PostgreSQL store config.edn or BREYTA_STORE_URL selects. Made on first use; throws
   * `invalid_input` when the selection is bad (its secret missing, not a PostgreSQL URL).
   */
  get store(): Store {
    this.storeCache ??= openStore(this.layout, this.local, this.config.store, {
      env: this.options.env ?? process.env,
      ...(this.options.poolMax === undefined ? {} : {poolMax: this.options.poolMax}),
    })
    return this.storeCache
  }

  /** Close the store if it was opened (a PostgreSQL pool keeps the process alive until then). */
  async closeStore(): Promise<void> {
    await this.storeCache?.close()
  }

  /** What stays on this machine: drafts, releases, connections, secrets, the daemon's files. */
  get local(): LocalFiles {
    this.localCache ??= new FsLocalFiles(this.layout)
    return this.localCache
  }

  get config(): WorkspaceConfig {
    this.configCache ??= readConfig(this.layout.config)
    return this.configCache
  }

  /**
   * The daemon serves at `url` for as long as this process lives: its callback and status URLs
   * need no read of daemon.json (once per advance and per long-poll answer, issue 18).
   */
  pinBaseUrl(url: string | undefined): void {
    this.pinnedBaseUrl = url
  }

  private pinnedBaseUrl?: string

  /** Base URL of the daemon's HTTP server: config, else the running daemon, else the default. */
  async baseUrl(): Promise<string> {
    if (this.config.daemon.baseUrl) return this.config.daemon.baseUrl
    const pinned = this.pinnedBaseUrl ?? this.options.baseUrl
    if (pinned) return pinned
    const running = await this.local.readDaemonInfo()
    if (running?.url) return running.url
    return `http://${this.config.daemon.host}:${this.config.daemon.port}`
  }

  /** The workspace's secret key (kept out of git) for callback tokens; created on first use. */
  key(): Promise<Buffer> {
    return this.store.callbackKey()
  }

  async callbacks(): Promise<CallbackSigner> {
    const [baseUrl, key] = await Promise.all([this.baseUrl(), this.key()])
    return {
      baseUrl,
      key,
      callbackUrl: (runId, waitKey) => callbackUrl(baseUrl, key, runId, waitKey),
      runStatusUrl: (runId) => runStatusUrl(baseUrl, key, runId),
    }
  }
}

/** The workspace whose `.breyta/` is in `root` (a daemon worker is handed its root). */
export function workspaceAt(root: string, options: WorkspaceOptions = {}): Workspace {
  return new Workspace(new WorkspaceLayout(root), options)
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
  if (!fs.existsSync(layout.key)) {
    readOrCreateKey(layout)
    created.push(layout.key)
  }
  return {root: layout.root, dir: layout.dir, created, 'already-initialized': alreadyInitialized}
}
