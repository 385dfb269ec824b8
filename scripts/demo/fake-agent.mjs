#!/usr/bin/env node
/**
 * Stands in for a coding agent CLI (`claude -p TASK`, `codex exec TASK`, …) in the agent-pr
 * demo: takes the task as its last argument, edits the git working tree it runs in, and prints
 * a summary of what it did, as such CLIs do in non-interactive mode. Deterministic and offline.
 */
import fs from 'node:fs'
import path from 'node:path'

const task = process.argv.at(-1) ?? ''
if (task.trim() === '') {
  console.error('fake-agent: no task given (usage: fake-agent.mjs TASK)')
  process.exit(2)
}
fs.mkdirSync('src', {recursive: true})
fs.writeFileSync(
  path.join('src', 'health.js'),
  `// Added by the agent for: ${task}
export function health() {
  return {status: 'ok', uptime: process.uptime()}
}
`,
)
const server = path.join('src', 'server.js')
if (fs.existsSync(server)) {
  const text = fs.readFileSync(server, 'utf8')
  if (!text.includes('/healthz')) {
    fs.writeFileSync(server, `import {health} from './health.js'\n` + text.replace('const routes = {', `const routes = {\n  '/healthz': () => health(),`))
  }
}
console.log(`Done: ${task}.
- Added src/health.js with a health() handler reporting status and uptime.
- Wired GET /healthz into src/server.js.
Tests: none exist yet for routes; consider adding one.`)
