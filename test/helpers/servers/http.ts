/**
 * A tiny real HTTP server on 127.0.0.1 for provider fakes: records every request, lets a test
 * queue canned failures (429 with Retry-After, 500 …) ahead of the normal handler.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: string
  json: unknown
  at: number
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export type Handler = (req: RecordedRequest) => Reply

export interface FakeServer {
  url: string
  requests: RecordedRequest[]
  /** Replies used (in order) before the handler, one per request. */
  queue: Reply[]
  close(): Promise<void>
}

export async function startServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = []
  const queue: Reply[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      let json: unknown
      try {
        json = body === '' ? undefined : JSON.parse(body)
      } catch {
        json = undefined
      }
      const recorded: RecordedRequest = {method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at: Date.now()}
      requests.push(recorded)
      let reply: Reply
      try {
        reply = queue.shift() ?? handler(recorded)
      } catch (err) {
        reply = {status: 500, body: {error: String(err)}}
      }
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
      res.writeHead(reply.status, {'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers})
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
