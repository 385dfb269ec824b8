/**
 * Callback URLs: `<base>/callbacks/<run>/<key>?token=T` where T is an HMAC of run and key under
 * the workspace key. Unguessable without the key, verifiable without storing anything.
 */
import crypto from 'node:crypto'

export function callbackToken(workspaceKey: Buffer, runId: string, waitKey: string): string {
  return crypto.createHmac('sha256', workspaceKey).update(`${runId}\u0000${waitKey}`).digest('base64url')
}

/** Constant-time check of a presented token. */
export function verifyCallbackToken(workspaceKey: Buffer, runId: string, waitKey: string, token: string): boolean {
  const expected = Buffer.from(callbackToken(workspaceKey, runId, waitKey))
  const given = Buffer.from(token)
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

export function callbackUrl(baseUrl: string, workspaceKey: Buffer, runId: string, waitKey: string): string {
  const base = baseUrl.replace(/\/+$/, '')
  return `${base}/callbacks/${runId}/${encodeURIComponent(waitKey)}?token=${callbackToken(workspaceKey, runId, waitKey)}`
}

/**
 * Read token for `GET /runs/RUN`: an HMAC of the run id under the workspace key, in its own
 * domain (a `run\0` prefix) so it can never double as a callback token. `runs show` prints the
 * ready-made URL as `status-url`.
 */
export function runReadToken(workspaceKey: Buffer, runId: string): string {
  return crypto.createHmac('sha256', workspaceKey).update(`run\u0000${runId}`).digest('base64url')
}

export function verifyRunReadToken(workspaceKey: Buffer, runId: string, token: string): boolean {
  const expected = Buffer.from(runReadToken(workspaceKey, runId))
  const given = Buffer.from(token)
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

export function runStatusUrl(baseUrl: string, workspaceKey: Buffer, runId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/runs/${runId}?token=${runReadToken(workspaceKey, runId)}`
}
