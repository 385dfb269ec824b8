/**
 * The daemon's HTTP surface on node:http (four routes do not earn a framework):
 *   POST /callbacks/RUN/KEY?token=T   complete wait KEY (callbacks.ts)
 *   POST /webhooks/SLUG               start a live run (webhooks.ts)
 *   GET  /runs/RUN?token=T            the run, as `runs show --json` (run-view.ts)
 *   GET  /healthz
 * Bodies are capped at 1 MiB: a declared Content-Length over the cap is refused before a byte
 * is read (also on `Expect: 100-continue`, which curl sends for big bodies), and a chunked body
 * stops being kept as soon as it passes the cap (the rest is discarded briefly so the client
 * reads the 413, then the connection is dropped).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export const MAX_BODY_BYTES = 1024 * 1024

/**
 * Limits so slow or unfinished requests cannot starve /healthz or grow memory without bound:
 * open connections (more are refused by the kernel backlog / dropped at accept), time to send
 * the headers, time for the whole request, idle time of a kept-alive connection, and the body
 * bytes held at once across all connections (past it a request is answered 503 and dropped).
 */
export const HTTP_LIMITS = {
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxBufferedBodyBytes: 16 * MAX_BODY_BYTES,
}

/** Body bytes held right now by requests of every connection. */
let buffered = 0

export interface Request {
  method: string
  path: string[]
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  /** The whole body (at most MAX_BODY_BYTES; bigger ones are answered 413 before any handler, 503 past HTTP_LIMITS.maxBufferedBodyBytes). */
  body: Buffer
}

export interface Reply {
  status: number
  /** Serialized as JSON, or sent as it is when it is JsonText. */
  body: unknown
}

/** A body its handler serialized already (to work on the text, run-view.ts). */
export class JsonText {
  constructor(readonly text: string) {}
}

export type Handler = (req: Request) => Promise<Reply>

export function errorReply(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return {status, body: {ok: false, error: {code, message, ...extra}}}
}

function declaredTooLarge(req: http.IncomingMessage): boolean {
  const len = Number(req.headers['content-length'])
  return Number.isFinite(len) && len > MAX_BODY_BYTES
}

function send(res: http.ServerResponse, reply: Reply, close = false): void {
  const text = (reply.body instanceof JsonText ? reply.body.text : JSON.stringify(reply.body)) + '\n'
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? {connection: 'close'} : {}),
  })
  res.end(text)
}

function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | 'too-large' | 'busy'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    // What this request holds of the shared budget, given back when it is answered or dropped.
    let held = 0
    const giveBack = () => {
      buffered -= held
      held = 0
    }
    res.once('close', giveBack)
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData)
        req.off('end', onEnd)
        req.pause()
        chunks.length = 0
        giveBack()
        resolve('too-large')
        return
      }
      if (buffered + chunk.length > HTTP_LIMITS.maxBufferedBodyBytes) {
        req.off('data', onData)
        req.off('end', onEnd)
        chunks.length = 0
        giveBack()
        resolve('busy')
        return
      }
      buffered += chunk.length
      held += chunk.length
      chunks.push(chunk)
    }
    const onEnd = () => resolve(Buffer.concat(chunks))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}

const tooLarge = () => errorReply(413, 'payload_too_large', `body over ${MAX_BODY_BYTES} bytes`)

/** Bytes discarded after a 413 so the client can read the answer before the connection closes. */
const DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES
const DRAIN_LIMIT_MS = 2000

/**
 * Answer 413 and keep nothing more of the body. A client still sending (a chunked body after
 * 100-continue) would get a TCP reset if the socket closed with its data unread, and might
 * lose the 413, so the rest is discarded for a little while (bounded in bytes and time), then
 * the connection is dropped.
 */
function refuse(req: http.IncomingMessage, res: http.ServerResponse): void {
  send(res, tooLarge(), true)
  let drained = 0
  const stop = () => req.destroy()
  const timer = setTimeout(stop, DRAIN_LIMIT_MS)
  timer.unref()
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length
    if (drained > DRAIN_LIMIT_BYTES) stop()
  })
  req.once('end', () => clearTimeout(timer))
  req.once('close', () => clearTimeout(timer))
  req.resume()
}

export interface HttpServer {
  server: http.Server
  port: number
  url: string
  /** Open connections and body bytes held across them (for /healthz). */
  load(): {connections: number; 'body-bytes': number}
  close(): Promise<void>
}

export async function startHttpServer(host: string, port: number, handler: Handler, onError: (err: unknown) => void): Promise<HttpServer> {
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => void answer(req, res, handler, onError)
  const server = http.createServer(
    {
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      // How often the two timeouts above are enforced (Node's default is every 30 s).
      connectionsCheckingInterval: 1000,
    },
    serve,
  )
  server.maxConnections = HTTP_LIMITS.maxConnections
  // A connection that sends nothing at all (not even a first header byte) is dropped too.
  server.setTimeout(HTTP_LIMITS.requestTimeoutMs, (socket) => socket.destroy())
  server.on('checkContinue', (req, res) => {
    if (declaredTooLarge(req)) refuse(req, res)
    else {
      res.writeContinue()
      serve(req, res)
    }
  })
  server.on('clientError', (_err, socket) => socket.destroy())
  let open = 0
  server.on('connection', (socket) => {
    open++
    socket.once('close', () => open--)
  })
  await listen(server, port, host)
  const actual = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  return {
    server,
    port: actual,
    url: `http://${shownHost}:${actual}`,
    load: () => ({connections: open, 'body-bytes': buffered}),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 1000).unref()
      }),
  }
}

/** One request: refuse a body over the caps, else read it and pass it to the handler. */
async function answer(req: http.IncomingMessage, res: http.ServerResponse, handler: Handler, onError: (err: unknown) => void): Promise<void> {
  try {
    if (declaredTooLarge(req)) return refuse(req, res)
    const body = await readBody(req, res)
    if (body === 'too-large') return refuse(req, res)
    if (body === 'busy') {
      send(res, errorReply(503, 'busy', 'too many request bodies in flight; send it again shortly'), true)
      return void req.destroy()
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    const reply = await handler({
      method: req.method ?? 'GET',
      path: url.pathname
        .split('/')
        .filter((p) => p !== '')
        .map((p) => safeDecode(p)),
      query: url.searchParams,
      headers: req.headers,
      body,
    })
    send(res, reply)
  } catch (err) {
    onError(err)
    if (!res.headersSent) send(res, errorReply(500, 'internal', (err as Error).message ?? String(err)), true)
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
