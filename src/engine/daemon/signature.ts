/** Webhook signatures, kept apart so clients can compute one without loading the daemon. */
import crypto from 'node:crypto'

/** The HMAC a sender puts in X-Breyta-Signature (without the `sha256=` prefix). */
export function webhookSignature(secret: string, body: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex')
}
