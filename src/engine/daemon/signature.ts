/** Webhook signatures, kept apart so clients can compute one without loading the daemon. */
import crypto from 'node:crypto'

/** How far X-Breyta-Timestamp may be from the daemon's clock. */
export const SIGNATURE_SKEW_S = 5 * 60

/**
 * The HMAC a sender puts in X-Breyta-Signature (without the `sha256=` prefix): over
 * `TIMESTAMP.BODY`, TIMESTAMP being the X-Breyta-Timestamp header (unix seconds), so a captured
 * request stops verifying once its time is past the skew.
 */
export function webhookSignature(secret: string, timestamp: number | string, body: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')
}

/** GitHub's X-Hub-Signature-256 (without `sha256=`): the HMAC of the raw body. */
export function githubSignature(secret: string, body: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex')
}
