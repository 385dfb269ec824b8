// Admission cost vs. the number of active runs of a flow (npm run build first): node bench/admission.mjs [N]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
const E = await import(new URL('../dist/engine/index.js', import.meta.url).href)
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-admit-'))
E.initWorkspace(root)
const ws = await E.openWorkspace({explicit: root, from: root})
fs.writeFileSync(path.join(root, '.breyta/flows/u.edn'), '{:slug :u :name "u" :flow (flow/step :wait :gate {:key "g"})}\n')
const N = Number(process.argv[2] ?? 300)
const t = []
for (let i = 0; i < N; i++) {
  const s = performance.now()
  await E.createRun(ws, {slug: 'u'})
  t.push(performance.now() - s)
}
const avg = (a) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(2)
console.log(`createRun with N active runs of an unlimited flow: first 20 avg ${avg(t.slice(0, 20))} ms, last 20 avg ${avg(t.slice(-20))} ms (N=${N})`)
fs.rmSync(root, {recursive: true, force: true})
