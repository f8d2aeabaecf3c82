import { createHmac } from 'node:crypto';
import { ulid } from 'ulid';

/**
 * How Sinch signs a webhook (docs/sinch.md#signing-algorithm): HMAC-SHA256 over `rawBody.nonce.timestamp` with the secret's
 * UTF-8 bytes, standard base64 with padding. The simulator signs every delivery report this way, so the real
 * ingress verifies exactly what it would verify in production.
 */

export const SIGNATURE_HEADERS = {
  signature: 'x-sinch-webhook-signature',
  nonce: 'x-sinch-webhook-signature-nonce',
  timestamp: 'x-sinch-webhook-signature-timestamp',
  algorithm: 'x-sinch-webhook-signature-algorithm',
} as const;

/** Computes the base64 signature of one webhook. */
export function computeWebhookSignature(
  rawBody: string,
  secret: string,
  nonce: string,
  timestamp: string,
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${rawBody}.${nonce}.${timestamp}`, 'utf8')
    .digest('base64');
}

/**
 * The four signature headers for one POST. Each call takes a fresh nonce (a ULID, as Sinch sends) and the
 * current epoch second, so a retried webhook carries a new signature over the same body.
 */
export function signWebhook(
  rawBody: string,
  secret: string,
  options: { nowSeconds?: number; nonce?: string } = {},
): Record<string, string> {
  const nonce = options.nonce ?? ulid();
  const timestamp = String(options.nowSeconds ?? Math.floor(Date.now() / 1000));
  return {
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.algorithm]: 'HmacSHA256',
    [SIGNATURE_HEADERS.signature]: computeWebhookSignature(rawBody, secret, nonce, timestamp),
  };
}
