/**
 * The on-disk layout of `.breyta/` (SPEC §2). This is the only module that builds paths into
 * the workspace directory; everything else asks it.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {BreytaError} from '../../errors.js'
import {assertSlug, isRunId} from '../names.js'

export const WORKSPACE_DIR = '.breyta'

/** Lines of `.breyta/.gitignore`: runtime state stays out of git, definitions go in. */
export const GITIGNORE_LINES = [
  'runs/',
  'pinned/',
  'resources/',
  'kv/',
  'queue/',
  'logs/',
  'signals/',
  'schedules/',
  'webhooks/',
  'secrets.edn',
  'daemon.json',
  'workspace.key',
  '*.lock',
  '*.tmp',
]

export {assertSlug, isRunId} from '../names.js'

function assertRunId(id: string): string {
  if (!isRunId(id)) throw new BreytaError('run_not_found', `no run "${id}"`, {hint: 'List runs with `breyta runs list`.'})
  return id
}

/**
 * One file name per wait key, never shared by two keys: the key itself (URI-encoded) while
 * short, else a hash under a `%h-` prefix, which URI encoding never produces (it writes `%`
 * only before two hex digits). File names are limited to 255 bytes.
 */
function inboxFileName(key: string): string {
  const encoded = encodeURIComponent(key)
  if (encoded.length <= 150) return `${encoded}.json`
  return `%h-${crypto.createHash('sha256').update(key).digest('hex')}.json`
}

/** One name for a directory however it was reached (symlinks, relative paths). */
function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir)
  } catch {
    return path.resolve(dir)
  }
}

/**
 * `name` in `dir`: path.join's result without its normalizing pass, which is the same here:
 * `dir` is normalized (the layout's own directory, joined once) and every name is one path
 * segment (slugs, run ids and keys are checked or encoded before they get here). A run's paths
 * are built some twenty times an advance; path.join was ~5% of a worker's CPU under issue 18's
 * workload C.
 */
function under(dir: string, name: string): string {
  return dir + path.sep + name
}

/** Every path under one workspace. `root` is the directory that contains `.breyta/`. */
export class WorkspaceLayout {
  readonly dir: string

  constructor(readonly root: string) {
    this.dir = path.join(root, WORKSPACE_DIR)
  }

  get config(): string {
    return under(this.dir, 'config.edn')
  }
  get gitignore(): string {
    return under(this.dir, '.gitignore')
  }
  get connections(): string {
    return under(this.dir, 'connections.edn')
  }
  get secrets(): string {
    return under(this.dir, 'secrets.edn')
  }
  get key(): string {
    return under(this.dir, 'workspace.key')
  }
  get daemonJson(): string {
    return under(this.dir, 'daemon.json')
  }
  get daemonLock(): string {
    return under(this.dir, 'daemon.lock')
  }
  /**
   * The daemon's control socket, which doubles as its liveness lock: the kernel closes it when
   * the process dies (a zombie holds none). On Linux an abstract socket (no file to go stale);
   * elsewhere a short path in the temp dir (socket paths are limited to ~104 bytes).
   */
  get daemonSocket(): string {
    const id = crypto.createHash('sha256').update(realDir(this.dir)).digest('hex').slice(0, 24)
    return process.platform === 'linux' ? `\0breyta-daemon-${id}` : path.join(os.tmpdir(), `breyta-${id}.sock`)
  }
  get logsDir(): string {
    return under(this.dir, 'logs')
  }
  get daemonLog(): string {
    return under(this.logsDir, 'daemon.log')
  }

  get flowsDir(): string {
    return under(this.dir, 'flows')
  }
  flow(slug: string): string {
    return under(this.flowsDir, `${assertSlug(slug)}.edn`)
  }

  get releasesDir(): string {
    return under(this.dir, 'releases')
  }
  releaseDir(slug: string): string {
    return under(this.releasesDir, assertSlug(slug))
  }
  releaseIndex(slug: string): string {
    return under(this.releaseDir(slug), 'release.edn')
  }
  releaseVersion(slug: string, version: number): string {
    return under(this.releaseDir(slug), `v${version}.edn`)
  }

  /** Run definitions, one file per sha256 of the flow text, shared by every run pinned to it. */
  get pinnedDir(): string {
    return under(this.dir, 'pinned')
  }
  pinnedFlow(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`)
    return under(this.pinnedDir, `${sha256}.edn`)
  }

  get runsDir(): string {
    return under(this.dir, 'runs')
  }
  runDir(id: string): string {
    return under(this.runsDir, assertRunId(id))
  }
  runSnapshot(id: string): string {
    return under(this.runDir(id), 'run.json')
  }
  /** Run directories made ahead by the daemon (store/fs/spare-runs.ts); not run ids, so run listings skip them. */
  get spareRunsDir(): string {
    return under(this.runsDir, '.spare')
  }
  /** Index of the runs whose snapshot says `waiting` (see store/fs/waiting-index.ts); not a run id, so run listings skip it. */
  get waitingIndexDir(): string {
    return under(this.runsDir, '.waiting')
  }
  /** The blank whose names are inbox claims (store/fs/inbox.ts claimInbox): the waiting index's, there once a run has parked. */
  get claimsBlankDir(): string {
    return this.waitingIndexDir
  }
  waitingMarker(id: string): string {
    return under(this.waitingIndexDir, assertRunId(id))
  }
  /** A run's own copy of its flow text: how runs were pinned before `pinned/<sha256>.edn`. */
  runOwnFlow(id: string): string {
    return under(this.runDir(id), 'flow.edn')
  }
  runJournal(id: string): string {
    return under(this.runDir(id), 'events.jsonl')
  }
  /** Live output of `:exec`/`:ssh` steps, one file per step (store/fs/step-log.ts). */
  runLogsDir(id: string): string {
    return under(this.runDir(id), 'logs')
  }
  /** Step ids may hold `[i]`, `#n` or any character a flow author chose: URI-encoded, one file name per id. */
  runStepLog(id: string, stepId: string): string {
    return under(this.runLogsDir(id), `${encodeURIComponent(stepId)}.log`)
  }
  /** Each process's lock owner files, hard-linked in as its run and queue locks (store/fs/lock.ts); `*.lock`, so git-ignored. */
  get lockOwnersDir(): string {
    return under(this.dir, 'locks')
  }
  runLock(id: string): string {
    return under(this.runDir(id), 'run.lock')
  }
  runCancelMarker(id: string): string {
    return under(this.runDir(id), 'cancel-requested')
  }
  /** Wait completions land here first (one O_EXCL file per key), then move into the journal. */
  runInbox(id: string): string {
    return under(this.runDir(id), 'inbox')
  }
  runInboxEntry(id: string, key: string): string {
    return under(this.runInbox(id), inboxFileName(key))
  }

  get resourcesDir(): string {
    return under(this.dir, 'resources')
  }
  resourceRunDir(runId: string): string {
    return under(this.resourcesDir, assertRunId(runId))
  }
  /** `name` must already be checked by the resource store (one safe path segment). */
  resourceFile(runId: string, name: string): string {
    return under(this.resourceRunDir(runId), name)
  }
  /** Sidecar with content type, size and time; `.meta` cannot clash since names never start with a dot. */
  resourceMeta(runId: string, name: string): string {
    return under(under(this.resourceRunDir(runId), '.meta'), `${name}.json`)
  }

  get kvDir(): string {
    return under(this.dir, 'kv')
  }

  /** Per-flow admission state for concurrency policies (queued runs, slots). */
  get queueDir(): string {
    return under(this.dir, 'queue')
  }
  queueLock(slug: string): string {
    return under(this.queueDir, `${assertSlug(slug)}.lock`)
  }
  /** The flow's active runs (queued and admitted), so admission never scans runs/. */
  queueIndex(slug: string): string {
    return under(this.queueDir, `${assertSlug(slug)}.json`)
  }
  /** Serializes `flows release`/`promote` of one flow (kept out of releases/, which is committed). */
  releaseLock(slug: string): string {
    return under(this.queueDir, `${assertSlug(slug)}.release.lock`)
  }

  /** Change notices for the daemon: one empty file per run (see store/fs/signals.ts). */
  get signalsDir(): string {
    return under(this.dir, 'signals')
  }
  runSignal(id: string): string {
    return under(this.signalsDir, assertRunId(id))
  }
  /** Change notices for observers (TUI, `runs watch`): one empty file per run, rewritten on every change. */
  get changesDir(): string {
    return under(this.signalsDir, 'changed')
  }
  runChange(id: string): string {
    return under(this.changesDir, assertRunId(id))
  }

  /** Schedule watermarks: the last tick fired per flow and trigger (daemon/schedules.ts). */
  /** Webhook deliveries and signatures already accepted (daemon/replays.ts). */
  get webhooksDir(): string {
    return under(this.dir, 'webhooks')
  }
  get webhookSeen(): string {
    return under(this.webhooksDir, 'seen.json')
  }

  get schedulesDir(): string {
    return under(this.dir, 'schedules')
  }
  scheduleWatermark(slug: string): string {
    return under(this.schedulesDir, `${assertSlug(slug)}.json`)
  }
  scheduleLock(slug: string): string {
    return under(this.schedulesDir, `${assertSlug(slug)}.lock`)
  }
}
