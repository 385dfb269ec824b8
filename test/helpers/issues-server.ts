/** A small JSON API on 127.0.0.1 standing in for an issue tracker; records every request. */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface IssuesServer {
  url: string
  requests: {method: string; url: string; headers: http.IncomingHttpHeaders}[]
  /** Fail the next N requests to `path` with `status`. */
  failNext(path: string, times: number, status?: number): void
  close(): Promise<void>
}

export const ISSUES = [
  {id: 1, title: 'crash on start', state: 'open', labels: ['bug', 'p1'], points: 3},
  {id: 2, title: 'add dark mode', state: 'closed', labels: ['feature'], points: 5},
  {id: 3, title: 'slow list', state: 'open', labels: ['bug', 'perf'], points: 2},
  {id: 4, title: 'typo in docs', state: 'open', labels: ['docs'], points: 1},
]

export async function startIssuesServer(): Promise<IssuesServer> {
  const requests: IssuesServer['requests'] = []
  const failures = new Map<string, {times: number; status: number}>()
  const server = http.createServer((req, res) => {
    requests.push({method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers})
    const path = (req.url ?? '/').split('?')[0]!
    const fail = failures.get(path)
    if (fail && fail.times > 0) {
      fail.times--
      res.writeHead(fail.status, {'content-type': 'application/json'}).end(JSON.stringify({error: 'injected'}))
      return
    }
    const send = (status: number, body: unknown) => res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
    if (path === '/issues') return send(200, ISSUES)
    const m = /^\/issues\/(\d+)$/.exec(path)
    if (m) {
      const issue = ISSUES.find((i) => i.id === Number(m[1]))
      return issue ? send(200, issue) : send(404, {error: 'not found'})
    }
    send(404, {error: 'no route'})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(path, times, status = 503) {
      failures.set(path, {times, status})
    },
    close: () => new Promise((r) => server.close(() => r())),
  }
}
