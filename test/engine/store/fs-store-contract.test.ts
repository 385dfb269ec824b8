/**
 * FsStore (today's files under .breyta/) against the store contract. Two FsStore instances on one
 * workspace stand for two processes on one machine.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {initWorkspace} from '../../../src/engine/index.js'
import {FsStore} from '../../../src/engine/store/fs/fs-store.js'
import {WorkspaceLayout} from '../../../src/engine/store/fs/paths.js'
import {storeContract, type StoreBacking} from './contract.js'

async function fsBacking(): Promise<StoreBacking> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-store-contract-'))
  initWorkspace(root)
  const layout = new WorkspaceLayout(root)
  // Daemon signals are written only while a daemon is said to run (store/fs/signals.ts).
  fs.writeFileSync(layout.daemonJson, JSON.stringify({pid: process.pid, url: 'http://127.0.0.1:0', 'started-at': new Date().toISOString()}))
  const stores: FsStore[] = []
  return {
    async open() {
      const s = new FsStore(new WorkspaceLayout(root))
      stores.push(s)
      return s
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close()))
      fs.rmSync(root, {recursive: true, force: true})
    },
  }
}

storeContract({name: 'FsStore (files)', backing: fsBacking, features: {leaseExpiry: false, staleAppendRefused: false}})
