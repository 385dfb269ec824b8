import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createRun, driveRun, validateFlow} from '../../src/engine/index.js'
import {startIssuesServer, type IssuesServer} from '../helpers/issues-server.js'
import {tempWorkspace, type TempWorkspace} from '../helpers/workspace.js'

let t: TempWorkspace
let server: IssuesServer
beforeEach(async () => {
  t = await tempWorkspace()
  server = await startIssuesServer()
})
afterEach(async () => {
  t.cleanup()
  await server.close()
})

const flow = (base: string) => `{:slug :needs :name "Needs"
 :requires [{:slot :tracker :type :http :base-url "${base}" :auth {:bearer :tracker-token}}
            {:slot :db}]
 :flow (:status (flow/step :http :get {:connection :tracker :path "/issues/1"}))}`

describe(':requires', () => {
  it('validate and run start report missing connections and secrets', async () => {
    t.writeFlow('needs', flow(server.url))
    const report = await validateFlow(t.ws, {slug: 'needs'})
    expect(report.valid).toBe(false)
    expect(report.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('secret "tracker-token"'),
      expect.stringContaining('connection :db is required'),
    ])
    await expect(createRun(t.ws, {slug: 'needs', env: {}})).rejects.toMatchObject({
      code: 'invalid_input',
      details: {missing: expect.arrayContaining([{kind: 'secret', name: 'tracker-token', slot: 'tracker'}])},
    })
    expect(fs.readdirSync(t.ws.layout.runsDir)).toEqual([])
  })

  it('an inline requirement is a default connection; its bearer secret is sent and redacted', async () => {
    t.writeFlow('needs', flow(server.url))
    fs.writeFileSync(t.ws.layout.connections, '{:db {:type :sqlite :path "data/x.db"}}\n')
    const env = {BREYTA_SECRET_TRACKER_TOKEN: 'sekrit-token-123'}
    const run = await createRun(t.ws, {slug: 'needs', env})
    const view = await driveRun(t.ws, run.id, {env})
    expect(view).toMatchObject({status: 'completed', output: 200})
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sekrit-token-123')
    const files = fs.readdirSync(path.join(t.ws.layout.runsDir, run.id)).map((f) => fs.readFileSync(path.join(t.ws.layout.runsDir, run.id, f), 'utf8'))
    expect(files.join('\n')).not.toContain('sekrit-token-123')
  })
})
