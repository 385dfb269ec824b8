/** Find the workspace like git finds a repository: walk up from a directory. */
import fs from 'node:fs'
import path from 'node:path'
import {BreytaError} from '../errors.js'
import {WORKSPACE_DIR, WorkspaceLayout} from '../store/fs/paths.js'

export interface FindOptions {
  /** An explicit workspace (--workspace): the project directory or its `.breyta/` itself. */
  explicit?: string
  /** The value of BREYTA_WORKSPACE, if set. */
  env?: string
  /** Where to start walking up (the caller's cwd). */
  from: string
}

function asRoot(dir: string): string {
  const abs = path.resolve(dir)
  return path.basename(abs) === WORKSPACE_DIR && !fs.existsSync(path.join(abs, WORKSPACE_DIR)) ? path.dirname(abs) : abs
}

function hasWorkspace(root: string): boolean {
  try {
    return fs.statSync(path.join(root, WORKSPACE_DIR)).isDirectory()
  } catch {
    return false
  }
}

export function findWorkspace(options: FindOptions): WorkspaceLayout {
  const named = options.explicit ?? options.env
  if (named !== undefined && named !== '') {
    const root = asRoot(named)
    if (!hasWorkspace(root)) {
      throw new BreytaError('workspace_not_found', `no breyta workspace at ${root}`, {
        hint: `Run \`breyta init\` in ${root}, or point --workspace at a directory that has .breyta/.`,
      })
    }
    return new WorkspaceLayout(root)
  }
  let dir = path.resolve(options.from)
  for (;;) {
    if (hasWorkspace(dir)) return new WorkspaceLayout(dir)
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new BreytaError('workspace_not_found', `no .breyta/ workspace in ${path.resolve(options.from)} or any parent directory`, {
    hint: 'Run `breyta init` to create one here, or pass --workspace DIR.',
  })
}
