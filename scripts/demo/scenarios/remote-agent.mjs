/**
 * `remote-agent`: the long-running-agent pattern (issue 5). A "VM" (the ssh2 stand-in; host key
 * pinned, password auth) gets detached work that POSTs its result to the run's callback URL on
 * the daemon a second later.
 */
import fs from 'node:fs'
import path from 'node:path'
import {startSshServer} from '../stand-ins.mjs'
import {secretValue} from './secret.mjs'

export default {
  title: 'ssh starts detached work → wait parks the run → the worker POSTs to the callback URL → the run goes on',
  about: [
    'The pattern for agents that run for minutes or hours on another machine: nothing holds a',
    'process or a connection while they work. The worker reports to (flow/callback-url KEY), which',
    'the daemon serves; the POST completes the wait and the daemon resumes the run.',
  ],
  needsDaemon: true,
  async setup({workspace, servers}) {
    const password = secretValue('vm-pass')
    servers.vm = await startSshServer({users: {agent: {password}}})
    const workdir = path.join(workspace, 'vm', 'work')
    fs.mkdirSync(workdir, {recursive: true})
    fs.writeFileSync(path.join(workdir, 'failing-tests.txt'), 'test/checkout.test.ts: 2 failing\n')
    return {
      endpoints: {vm: `ssh://agent@127.0.0.1:${servers.vm.port} (${servers.vm.fingerprint})`},
      connections: `{:vm {:type :ssh :host "127.0.0.1" :port ${servers.vm.port} :user "agent"
      :auth {:password :vm-pass}
      :host-key "${servers.vm.fingerprint}"}}
`,
      secrets: {'vm-pass': password},
      input: {task: 'Summarise the failing tests', workdir},
    }
  },
  explain(e) {
    if (e.type === 'step_completed' && e.step === 'start-worker')
      return 'the ssh step returned at once: the worker runs detached on the VM (nohup … &) with CALLBACK_URL in its env'
    if (e.type === 'wait_opened' && e.key === 'agent-done')
      return 'parked: no process and no ssh connection while the worker runs; it will POST to /callbacks/RUN/agent-done?token=… on the daemon'
    if (e.type === 'step_completed' && e.step === 'agent-done') return "the wait's output is exactly what the worker posted; the steps after it use it"
    return undefined
  },
  summary(_run, servers) {
    return [`commands the VM ran over ssh: ${servers.vm?.commands.length ?? 0} (start the worker, read its report); the callback came over HTTP`]
  },
}
