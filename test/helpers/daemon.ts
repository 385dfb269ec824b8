/**
 * A real daemon process for integration tests: `node bin/run.js daemon start --port 0 --json`
 * in the foreground, tracked so `killDaemons()` (call it in afterEach) leaves none behind.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {createRun, readRunEvents, readRunView} from '../../src/engine/index.js'
import {BIN, sleep, until, type TempWorkspace} from './workspace.js'

export interface DaemonProcess {
  child: ChildProcess
  pid: number
  url: string
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | string>
  /** kill -9. */
  kill9(): Promise<number | string>
}

const live = new Set<ChildProcess>()

/** `asCommand`: run bin/run.js itself, through its sh launcher, as the `breyta` command does (it execs node: the pid stays). */
export async function spawnDaemon(
  root: string,
  options: {env?: NodeJS.ProcessEnv; args?: string[]; waitUp?: boolean; asCommand?: boolean} = {},
): Promise<DaemonProcess> {
  const args = ['daemon', 'start', '--port', '0', '--json', '--workspace', root, ...(options.args ?? [])]
  const child = spawn(options.asCommand ? BIN : process.execPath, options.asCommand ? args : [BIN, ...args], {
    cwd: root,
    env: {...process.env, NO_COLOR: '1', ...options.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve(code ?? signal ?? -1)
    }),
  )
  let url = ''
  if (options.waitUp !== false) {
    const file = path.join(root, '.breyta', 'daemon.json')
    url = await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${out}\n${err}`)
        try {
          const info = JSON.parse(fs.readFileSync(file, 'utf8'))
          if (info.pid !== child.pid) return undefined
          const res = await fetch(info.url + '/healthz')
          return res.ok ? (info.url as string) : undefined
        } catch {
          return undefined
        }
      },
      15_000,
      20,
    )
  }
  return {
    child,
    pid: child.pid!,
    url,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
    async kill9() {
      child.kill('SIGKILL')
      return exited
    },
  }
}

/** Kill every daemon a test started (afterEach). */
export async function killDaemons(): Promise<void> {
  const all = [...live]
  for (const c of all) c.kill('SIGKILL')
  for (let i = 0; i < 100 && live.size > 0; i++) await sleep(20)
}

export function liveDaemonCount(): number {
  return live.size
}

/** Flow `w`: parks on wait "k", then answers `{:got n}` for a completion `{"n": n}`. */
export const WAIT_FLOW = `{:slug :w :name "wait"
 :flow (let [r (flow/step :wait :w {:key "k" :timeout "10m"})]
         (flow/step :function :f {:code "(fn [x] {:got (:n x)})" :input r}))}
`

/** Long polls the daemon at `url` holds open right now (its /healthz). */
export async function longPolls(url: string): Promise<number> {
  return ((await (await fetch(`${url}/healthz`)).json()) as {'long-polls': number})['long-polls']
}

/** A flow that counts to `n` in flow code: a run whose worker computes for as long as that takes. */
export const spinFlow = (slug: string, n: number) => `{:slug :${slug} :name "${slug}" :flow (loop [i 0] (if (< i ${n}) (recur (inc i)) i))}`

/** Iterations of spinFlow that take about `ms` in the daemon of `t`: a probe run of `probe.n`, timed from its journal. */
export async function spinIterationsFor(t: TempWorkspace, ms: number, probe: {slug: string; n: number}): Promise<number> {
  t.writeFlow(probe.slug, spinFlow(probe.slug, probe.n))
  const run = await createRun(t.ws, {slug: probe.slug})
  await until(() => readRunView(t.ws.layout, run.id).status === 'completed', 60_000, 20)
  const events = readRunEvents(t.ws.layout, run.id)
  const took = Date.parse(events.at(-1)!.at) - Date.parse(events.find((e) => e.type === 'run_started')!.at)
  return Math.round((probe.n * ms) / Math.max(took, 1))
}
