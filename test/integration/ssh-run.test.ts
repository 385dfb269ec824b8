/**
 * The :ssh step through the real run loop: a connection from connections.edn, a password from
 * secrets.edn, a 5 MB stdout that must become a res:// ref (journal stays small, bytes
 * identical), and no trace of the secret anywhere in the workspace afterwards.
 */
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createRun, driveRun, readResource} from '../../src/engine/index.js'
import {setSecret} from '../../src/engine/store/fs/secret-store.js'
import {startSshServer, type TestSshServer} from '../helpers/servers/ssh.js'
import {tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

const PASSWORD = 'vm-pass-9f8e7d6c5b4a'

function grepTree(dir: string, needle: Buffer): string[] {
  const hits: string[] = []
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) hits.push(...grepTree(p, needle))
    else if (entry.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p)
  }
  return hits
}

describe(':ssh in a run', () => {
  let server: TestSshServer
  let tw: TempWorkspace
  let remote: string
  const big = randomBytes(3_932_160).toString('base64') // 5 MiB of text

  beforeAll(async () => {
    server = await startSshServer({users: {agent: {password: PASSWORD}}})
    tw = await tempWorkspace('breyta-sshrun-')
    remote = fs.mkdtempSync(path.join(tw.root, '..', 'breyta-remote-'))
    fs.writeFileSync(path.join(remote, 'big.txt'), big)
    // A remote command that (carelessly) prints the secret: it must be redacted.
    fs.writeFileSync(path.join(remote, 'leak.txt'), `password is ${PASSWORD}\n`)
    fs.writeFileSync(
      tw.ws.layout.connections,
      `{:vm {:type :ssh :host "127.0.0.1" :port ${server.port} :user "agent"
      :auth {:password :vm-pass} :host-key "${server.fingerprint}"}}\n`,
    )
    await setSecret(tw.ws.layout, 'vm-pass', PASSWORD)
    tw.writeFlow(
      'remote',
      `{:slug :remote :name "Remote"
 :flow (let [big  (flow/step :ssh :big {:connection :vm :command "cat ${remote}/big.txt"})
             leak (flow/step :ssh :leak {:connection :vm :command "cat ${remote}/leak.txt"})]
         {:exit (:exit-code big) :stdout (:stdout big) :leak (:stdout leak)})}\n`,
    )
  })
  afterAll(async () => {
    await server.close()
    tw.cleanup()
    fs.rmSync(remote, {recursive: true, force: true})
  })

  it('offloads a 5 MB stdout to a resource, keeps the journal small and the secret out of every file', async () => {
    const created = await createRun(tw.ws, {slug: 'remote'})
    const view = await driveRun(tw.ws, created.id, {env: {}})
    expect(view.status, JSON.stringify(view.error)).toBe('completed')
    const output = view.output as {exit: number; stdout: {ref: string; size: number; 'content-type': string}; leak: string}
    expect(output.exit).toBe(0)
    expect(output.stdout).toMatchObject({ref: expect.stringMatching(/^res:\/\//), size: big.length})
    expect(output.leak).toBe('password is ***\n')
    const res = await readResource(tw.ws, output.stdout.ref)
    expect(res.data.equals(Buffer.from(big))).toBe(true)
    expect(fs.statSync(tw.ws.layout.runJournal(created.id)).size).toBeLessThan(64 * 1024)
    const hits = grepTree(tw.ws.layout.dir, Buffer.from(PASSWORD)).filter((p) => p !== tw.ws.layout.secrets)
    expect(hits).toEqual([])
  }, 60_000)
})
