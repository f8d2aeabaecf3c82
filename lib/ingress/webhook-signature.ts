import { createHmac, timingSafeEqual } from 'node:crypto';
import { ulid } from 'ulid';
import { ConfigError, WebhookVerificationError, type WebhookRejectionReason } from '../shared/errors';
import { headerValue, type RawHeaders } from '../shared/http-headers';

/**
 * Signing and verification of Sinch's webhooks (docs/sinch.md#webhook-signing): a base64 HMAC-SHA256 over
 * `rawBody + "." + nonce + "." + timestamp`, keyed with the secret's UTF-8 bytes. Pure: the caller passes
 * the secrets and the clock, so rotation and the time window are testable without timers or SSM.
 */

/** The headers Sinch signs with, lower-case (as Function URLs deliver them). */
export const SINCH_SIGNATURE_HEADERS = {
  signature: 'x-sinch-webhook-signature',
  nonce: 'x-sinch-webhook-signature-nonce',
  timestamp: 'x-sinch-webhook-signature-timestamp',
  algorithm: 'x-sinch-webhook-signature-algorithm',
} as const;

/** The only algorithm Sinch documents; any other value in the algorithm header is refused. */
export const SINCH_SIGNATURE_ALGORITHM = 'HmacSHA256';

// An HMAC-SHA256 digest is 32 bytes: 44 base64 characters with one padding character, which Sinch keeps.
const SIGNATURE_LENGTH = 44;
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
// Epoch seconds. Twelve digits is far beyond any real date and keeps Number() exact.
const MAX_TIMESTAMP_DIGITS = 12;

export interface WebhookVerificationInput {
  /** The request body exactly as received (already base64-decoded if the transport encoded it). */
  readonly rawBody: string;
  /** The request's headers as the transport delivered them: names in any case, arrays allowed. */
  readonly headers: RawHeaders;
  /** Every secret currently accepted, current first. A request is valid if any one of them matches. */
  readonly secrets: readonly string[];
  /**
   * How long ago, in seconds, the request may have been signed. Long (a day by default): Sinch retries a
   * webhook for hours and may repeat the first signature (docs/sinch.md#unconfirmed), and a replay inside
   * the window is harmless because the processor ignores a report it already has
   * (docs/decisions/0009-webhook-age-and-replays.md).
   */
  readonly maxAgeSeconds: number;
  /**
   * How far ahead of `nowSeconds` the signature's timestamp may be. Short: only clock difference puts it
   * there, and every second allowed ahead would lengthen how long a captured request stays replayable.
   */
  readonly maxFutureSeconds: number;
  /** The verifier's idea of "now", in epoch seconds. */
  readonly nowSeconds: number;
}

/** What a successfully verified request proved about itself. */
export interface VerifiedWebhook {
  readonly nonce: string;
  readonly timestamp: number;
}

/**
 * Computes the Sinch webhook signature (standard base64, padding kept) of a body.
 *
 * @example
 * computeWebhookSignature('{"a":1}', '01FJA8B4A7BM43YGWSG9GBV067', '1634579353', 'secret');
 */
export function computeWebhookSignature(
  rawBody: string,
  nonce: string,
  timestamp: string,
  secret: string,
): string {
  // A string key is used as its UTF-8 bytes, as Sinch specifies (it is not base64-decoded).
  return createHmac('sha256', secret).update(`${rawBody}.${nonce}.${timestamp}`, 'utf8').digest('base64');
}

/**
 * The four signature headers Sinch sends with one webhook POST: a fresh nonce (a ULID, as Sinch sends),
 * the epoch second, the algorithm and the signature over the body. The local Sinch simulator signs every
 * delivery report with this, so the ingress verifies locally exactly what it verifies in production; the
 * test builder (`tests/builders/signed-webhook.ts`) signs on its own, so the two are checked against each
 * other and against Sinch's published vectors.
 *
 * @example
 * const headers = signWebhook('{"message_delivery_report":{}}', secret);
 * await fetch(ingressUrl, { method: 'POST', headers, body });
 */
export function signWebhook(
  rawBody: string,
  secret: string,
  options: { readonly nowSeconds?: number; readonly nonce?: string } = {},
): Record<string, string> {
  const nonce = options.nonce ?? ulid();
  const timestamp = String(options.nowSeconds ?? Math.floor(Date.now() / 1000));
  return {
    [SINCH_SIGNATURE_HEADERS.nonce]: nonce,
    [SINCH_SIGNATURE_HEADERS.timestamp]: timestamp,
    [SINCH_SIGNATURE_HEADERS.algorithm]: SINCH_SIGNATURE_ALGORITHM,
    [SINCH_SIGNATURE_HEADERS.signature]: computeWebhookSignature(rawBody, nonce, timestamp, secret),
  };
}

// Reused by every comparison so the hot path allocates nothing (two buffers per request cost more than
// the comparison itself). Safe because verification is synchronous: nothing runs between filling and
// comparing them.
const givenBytes = Buffer.alloc(SIGNATURE_LENGTH);
const expectedBytes = Buffer.alloc(SIGNATURE_LENGTH);

/**
 * Constant-time comparison of a received signature with the expected one, both as base64 text (Sinch
 * sends the canonical encoding with its padding, so the text is compared byte for byte).
 */
function sameSignature(given: string, expected: string): boolean {
  // timingSafeEqual needs equal lengths, and a length is no secret: check it first.
  if (given.length !== SIGNATURE_LENGTH || expected.length !== SIGNATURE_LENGTH) return false;
  for (let i = 0; i < SIGNATURE_LENGTH; i += 1) {
    const code = given.charCodeAt(i);
    // Base64 is ASCII: any other character cannot be part of a valid signature.
    if (code > 0x7f) return false;
    givenBytes[i] = code;
  }
  expectedBytes.write(expected, 'latin1');
  return timingSafeEqual(givenBytes, expectedBytes);
}

// Digits only: Number() alone would also accept ' 12', '1e3' and '0x10'.
function isEpochSeconds(value: string): boolean {
  if (value.length === 0 || value.length > MAX_TIMESTAMP_DIGITS) return false;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function requireHeader(headers: RawHeaders, name: string, reason: WebhookRejectionReason): string {
  const value = headerValue(headers, name);
  if (value === undefined || value === '') throw new WebhookVerificationError(reason);
  return value;
}

/**
 * Verifies a Sinch webhook and returns its nonce and timestamp, or throws
 * {@link WebhookVerificationError} with the precise reason. The reason is for logs only; callers answer
 * every failure with the same generic 401.
 *
 * Order of checks: headers present, algorithm and timestamp well-formed, then the signature, then the
 * time window. Checking the signature before the window means `timestamp_too_old` /
 * `timestamp_in_future` are only ever reported for requests Sinch really signed (a replay or a skewed
 * clock), never for forgeries. Whether a signature that did not match was `malformed_signature` or a
 * `signature_mismatch` is only worked out after the comparison, keeping that check off the common path.
 *
 * @example
 * verifyWebhookSignature({ rawBody, headers, secrets: ['current', 'previous'], maxAgeSeconds: 86_400,
 *   maxFutureSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) });
 */
export function verifyWebhookSignature(input: WebhookVerificationInput): VerifiedWebhook {
  const { rawBody, headers, secrets, maxAgeSeconds, maxFutureSeconds, nowSeconds } = input;
  if (secrets.length === 0) throw new WebhookVerificationError('no_secret_configured');

  const signature = requireHeader(headers, SINCH_SIGNATURE_HEADERS.signature, 'missing_signature');
  const nonce = requireHeader(headers, SINCH_SIGNATURE_HEADERS.nonce, 'missing_nonce');
  const timestamp = requireHeader(headers, SINCH_SIGNATURE_HEADERS.timestamp, 'missing_timestamp');
  const algorithm = headerValue(headers, SINCH_SIGNATURE_HEADERS.algorithm);
  if (algorithm !== undefined && algorithm !== SINCH_SIGNATURE_ALGORITHM) {
    throw new WebhookVerificationError('unsupported_algorithm');
  }
  if (!isEpochSeconds(timestamp)) throw new WebhookVerificationError('malformed_timestamp');

  let matches = false;
  for (let i = 0; i < secrets.length && !matches; i += 1) {
    matches = sameSignature(signature, computeWebhookSignature(rawBody, nonce, timestamp, secrets[i]!));
  }
  if (!matches) {
    throw new WebhookVerificationError(
      SIGNATURE_PATTERN.test(signature) ? 'signature_mismatch' : 'malformed_signature',
    );
  }

  const signedAt = Number(timestamp);
  if (nowSeconds - signedAt > maxAgeSeconds) throw new WebhookVerificationError('timestamp_too_old');
  if (signedAt - nowSeconds > maxFutureSeconds) throw new WebhookVerificationError('timestamp_in_future');
  return { nonce, timestamp: signedAt };
}

/**
 * Parses the value of the `WEBHOOK_SECRETS_PARAM` SSM parameter: one secret, or several separated by
 * newlines (current first) so a secret can be rotated without rejecting webhooks in flight. Lines are
 * trimmed and blank lines dropped; no secret at all is a {@link ConfigError} (a 500, so Sinch retries
 * once the parameter is fixed, rather than a 401 that would drop the receipt).
 *
 * @example
 * parseSecrets('new-secret\nold-secret\n'); // ['new-secret', 'old-secret']
 */
export function parseSecrets(value: unknown): readonly string[] {
  if (typeof value !== 'string') {
    throw new ConfigError('The webhook secrets parameter must be plain text, one secret per line');
  }
  const secrets = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (secrets.length === 0) {
    throw new ConfigError('The webhook secrets parameter holds no secret');
  }
  return secrets;
}
