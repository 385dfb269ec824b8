/**
 * The flows of the team-mode acceptance test (test/integration/team-mode.test.ts) and the
 * counting server their http steps report to: side effects are recorded per step id (the
 * `Idempotency-Key`, `<run>/<step>`) with the time they happened.
 */
import http from 'node:http'

export const HOOK_SECRET = 'team-hook-secret-0123456789'
export const TICKS = 10

export interface Hit {
  key: string
  path: string
  at: number
}

/** The counting server: every http step reports here; it also plays the remote worker of `call`. */
export function countingServer(onCallbackUrl: (run: string, url: string) => void) {
  const hits: Hit[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '')
      hits.push({key, path: req.url ?? '', at: Date.now()})
      res.writeHead(200, {'content-type': 'application/json'})
      res.end('{"ok":true}')
      if (req.url === '/work') {
        const parsed = JSON.parse(body) as {url: string}
        onCallbackUrl(key.split('/')[0]!, parsed.url)
      }
    })
  })
  return {
    hits,
    server,
    listen: () =>
      new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as {port: number}).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export function flows(base: string, log: string): Record<string, string> {
  const hook = `:triggers [{:type :webhook :secret :hook-secret}]`
  // An exec step that appends "<run>/<step> <epoch seconds.micros>" to the side-effect log.
  const mark = (step: string) =>
    `(flow/step :exec :${step} {:command ["bash" "-c" "echo \\"$1 $EPOCHREALTIME\\" >> \\"$2\\"" "mark" (str (flow/run-id) "/${step}") ${JSON.stringify(log)}]})`
  const ping = (step: string, p: string, json = '{:n (:n (flow/input))}') => `(flow/step :http :${step} {:url "${base}${p}" :method :post :json ${json}})`
  return {
    build: `{:slug :build :name "build" ${hook}
 :flow (let [a ${mark('compile')}
             b ${ping('report', '/report')}
             c ${mark('package')}]
         {:n (:n (flow/input)) :report (:status b) :marks [(:exit-code a) (:exit-code c)]})}
`,
    call: `{:slug :call :name "call" ${hook}
 :flow (let [sent ${ping('hand-off', '/work', '{:url (flow/callback-url "done")}')}
             got  (flow/step :wait :done {:key "done" :timeout "5m"})
             fin  ${ping('record', '/record', '{:got (:n got)}')}]
         {:n (:n got) :record (:status fin)})}
`,
    nap: `{:slug :nap :name "nap" ${hook}
 :flow (let [a ${ping('before', '/before')}
             z (flow/step :sleep :nap {:duration "1s"})
             b ${mark('after')}]
         {:slept (:slept-until z)})}
`,
    solo: `{:slug :solo :name "solo" ${hook}
 :concurrency {:type :singleton :on-conflict :queue}
 :flow (let [a ${ping('enter', '/solo/enter')}
             w (flow/step :exec :work {:command ["sleep" "0.15"]})
             b ${ping('leave', '/solo/leave')}]
         {:n (:n (flow/input))})}
`,
  }
}

/** A schedule trigger per minute the window touches: ticks at exactly the 10 seconds from `start`. */
export function tickFlow(base: string, start: Date): string {
  const parts = new Map<string, number[]>()
  for (let i = 0; i < TICKS; i++) {
    const t = new Date(start.getTime() + i * 1000)
    const minute = `${t.getUTCMinutes()} ${t.getUTCHours()} ${t.getUTCDate()} ${t.getUTCMonth() + 1} *`
    parts.set(minute, [...(parts.get(minute) ?? []), t.getUTCSeconds()])
  }
  const triggers = [...parts].map(([minute, secs]) => `{:type :schedule :cron "${Math.min(...secs)}-${Math.max(...secs)} ${minute}" :timezone "UTC"}`)
  return `{:slug :tick :name "tick"
 :triggers [${triggers.join(' ')}]
 :flow (flow/step :http :ping {:url "${base}/tick" :method :post :json {:run (flow/run-id)}})}
`
}
