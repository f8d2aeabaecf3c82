import { createHmac, randomBytes } from 'node:crypto';

/**
 * Generates Sinch-signed webhooks the way Sinch does (docs/sinch.md#signing-algorithm), so tests never paste signatures.
 * The HMAC is computed here with node:crypto directly, on purpose, rather than with `signWebhook` from
 * lib/ingress/webhook-signature.ts (which the local Sinch simulator uses): the verifier is then checked
 * against an independent implementation, and both against Sinch's published vectors.
 */
export interface SignedWebhookOptions {
  readonly body: string;
  readonly secret: string;
  /** Defaults to a fresh ULID-shaped nonce. */
  readonly nonce?: string;
  /** Epoch seconds; defaults to now. */
  readonly timestamp?: number | string;
  /** `null` leaves the algorithm header out (it is optional); defaults to `HmacSHA256`. */
  readonly algorithm?: string | null;
}

export interface SignedWebhook {
  readonly body: string;
  readonly headers: Record<string, string>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A random 26-character Crockford base32 string, shaped like the ULID nonces Sinch sends. */
export function aNonce(): string {
  return Array.from(randomBytes(26), (byte) => CROCKFORD[byte % 32]).join('');
}

/** Sinch's signature of a body: base64 HMAC-SHA256 over `body.nonce.timestamp` with the UTF-8 secret. */
export function sinchSignature(body: string, nonce: string, timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${body}.${nonce}.${timestamp}`).digest('base64');
}

/** Signs a body and returns it with the four lower-case `x-sinch-webhook-signature*` headers. */
export function signWebhook(options: SignedWebhookOptions): SignedWebhook {
  const nonce = options.nonce ?? aNonce();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const algorithm = options.algorithm === undefined ? 'HmacSHA256' : options.algorithm;
  return {
    body: options.body,
    headers: {
      'content-type': 'application/json',
      'x-sinch-webhook-signature': sinchSignature(options.body, nonce, timestamp, options.secret),
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': timestamp,
      ...(algorithm === null ? {} : { 'x-sinch-webhook-signature-algorithm': algorithm }),
    },
  };
}
