/**
 * `agent-pr`: a git forge on disk (a bare repo) plus a GitHub-style API stand-in, a checkout for
 * the agent to work in, and a "VM" (the ssh2 stand-in, host key pinned, key auth) whose deploy
 * directory is another clone of the same repo.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'
import {generateUserKey, startService, startSshServer} from '../stand-ins.mjs'
import {secretValue} from './secret.mjs'

const run = promisify(execFile)

/**
 * Every git in this demo (ours, the flow's exec steps, the VM's) reads only a config of the
 * demo's own: a machine's /etc/gitconfig or ~/.gitconfig may sign commits, run hooks, forbid
 * the file transport or ask for credentials, none of which the throwaway repos want.
 */
function isolatedGit(workspace) {
  const config = path.join(workspace, 'gitconfig')
  fs.writeFileSync(config, '[user]\n\tname = Demo Dev\n\temail = dev@example.test\n[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n')
  return {GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: config, GIT_TERMINAL_PROMPT: '0'}
}

const SERVER_JS = `const routes = {
  '/': () => ({hello: 'shop'}),
}

export function handle(path) {
  return (routes[path] ?? (() => ({error: 'not found'})))()
}
`

/** forge/shop.git (bare) ← checkout (the agent's tree) and vm/shop (the deployed copy). */
async function makeRepos(root, gitEnv) {
  const git = (cwd, ...args) => run('git', args, {cwd, env: {...process.env, ...gitEnv}})
  const bare = path.join(root, 'forge', 'shop.git')
  const seed = path.join(root, 'forge', 'seed')
  fs.mkdirSync(path.join(seed, 'src'), {recursive: true})
  fs.writeFileSync(path.join(seed, 'src', 'server.js'), SERVER_JS)
  fs.writeFileSync(path.join(seed, 'README.md'), '# shop\n')
  await git(root, 'init', '-q', '--bare', '-b', 'main', bare)
  await git(seed, 'init', '-q', '-b', 'main')
  await git(seed, 'add', '-A')
  await git(seed, 'commit', '-q', '-m', 'initial')
  await git(seed, 'push', '-q', bare, 'main')
  fs.rmSync(seed, {recursive: true, force: true})
  const checkout = path.join(root, 'checkout')
  const deploy = path.join(root, 'vm', 'shop')
  await git(root, 'clone', '-q', bare, checkout)
  await git(root, 'clone', '-q', bare, deploy)
  return {bare, checkout, deploy}
}

export default {
  title: 'coding agent (exec) → push + open PR (http) → approval → merge + deploy over ssh → notify',
  about: [
    'A coding agent (here scripts/demo/fake-agent.mjs; pass ["claude","-p"] for the real one) edits',
    'a checkout; breyta commits and pushes a branch, opens a PR on a GitHub-style API, parks for a',
    'person, then merges and deploys on a VM over ssh (host key pinned by fingerprint, key auth).',
  ],
  needsDaemon: false,
  approveComment: 'LGTM, deploy it',
  rejectComment: 'Not now, we are in a freeze',
  async setup({workspace, servers, repoRoot}) {
    const gitEnv = isolatedGit(workspace)
    const repos = await makeRepos(workspace, gitEnv)
    const forgeToken = secretValue('ghp')
    const pulls = []
    servers.forge = await startService(
      {
        'POST /repos/:owner/:repo/pulls': (req, p) => {
          const number = 17 + pulls.length
          pulls.push({number, ...req.json, state: 'open'})
          return {
            status: 201,
            body: {number, state: 'open', html_url: `https://forge.example.test/${p.owner}/${p.repo}/pull/${number}`, head: {ref: req.json?.head}},
          }
        },
        'PUT /repos/:owner/:repo/pulls/:n/merge': (req, p) => {
          const pr = pulls.find((x) => String(x.number) === p.n)
          if (!pr) return {status: 404, body: {message: 'Not Found'}}
          pr.state = 'merged'
          return {status: 200, body: {merged: true, sha: req.json?.sha, message: 'Pull Request successfully merged'}}
        },
        'PATCH /repos/:owner/:repo/pulls/:n': (_req, p) => {
          const pr = pulls.find((x) => String(x.number) === p.n)
          if (!pr) return {status: 404, body: {message: 'Not Found'}}
          pr.state = 'closed'
          return {status: 200, body: {number: pr.number, state: 'closed'}}
        },
      },
      {bearer: forgeToken},
    )
    servers.forge.pulls = pulls
    const key = generateUserKey()
    servers.vm = await startSshServer({users: {deploy: {publicKey: key.publicKey}}, env: gitEnv})
    servers.vm.deployDir = repos.deploy
    return {
      env: gitEnv,
      endpoints: {forge: servers.forge.url, vm: `ssh://deploy@127.0.0.1:${servers.vm.port} (${servers.vm.fingerprint})`},
      connections: `{:forge {:type :http :base-url "${servers.forge.url}" :auth {:bearer :forge-token}}
 :vm    {:type :ssh :host "127.0.0.1" :port ${servers.vm.port} :user "deploy"
         :auth {:private-key :vm-key}
         :host-key "${servers.vm.fingerprint}"}}
`,
      secrets: {'forge-token': forgeToken, 'vm-key': key.privateKey},
      input: {
        agent: [process.execPath, path.join(repoRoot, 'scripts', 'demo', 'fake-agent.mjs')],
        task: 'Add a /healthz endpoint',
        repo: repos.checkout,
        'forge-repo': 'acme/shop',
        'deploy-dir': repos.deploy,
      },
    }
  },
  explain(e) {
    if (e.type === 'step_completed' && e.step === 'run-agent') return "the agent's stdout is recorded; on a replay the agent is not run again"
    if (e.type === 'step_completed' && e.step === 'deploy')
      return "ssh checked the VM's host key against the pinned SHA256 fingerprint before logging in with the key from secrets"
    return undefined
  },
  summary(_run, servers) {
    const prs = servers.forge?.pulls ?? []
    return [`forge pull requests: ${prs.map((p) => `#${p.number} ${p.state}`).join(', ') || 'none'}; commands the VM ran: ${servers.vm?.commands.length ?? 0}`]
  },
}
