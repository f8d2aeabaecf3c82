import fc from 'fast-check';
import { signWebhook, verifyWebhookSignature } from '../../../lib/ingress/webhook-signature';
import { WebhookVerificationError } from '../../../lib/shared/errors';
import { signWebhook as builderSign } from '../../builders/signed-webhook';

/**
 * Properties of the verifier over generated requests: whatever bytes and headers arrive, it either proves
 * the request signed by one of our secrets within the time window or refuses it with a reason; it never
 * throws anything else, and a body signed with a known secret always verifies.
 */

const NOW = 1_800_000_000;
const WINDOW = { maxAgeSeconds: 86_400, maxFutureSeconds: 300, nowSeconds: NOW };
const SIGNATURE_HEADER_NAMES = [
  'x-sinch-webhook-signature',
  'x-sinch-webhook-signature-nonce',
  'x-sinch-webhook-signature-timestamp',
  'x-sinch-webhook-signature-algorithm',
];

const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined));
const anyHeaders = fc.dictionary(
  fc.oneof(fc.constantFrom(...SIGNATURE_HEADER_NAMES, 'X-Sinch-Webhook-Signature'), fc.string()),
  headerValue,
);
const secret = fc.string({ minLength: 1, maxLength: 64 });

function verdict(input: Parameters<typeof verifyWebhookSignature>[0]): string {
  try {
    verifyWebhookSignature(input);
    return 'verified';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

describe('verifyWebhookSignature, for any request', () => {
  it('never throws anything but a WebhookVerificationError, whatever the body and headers', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        anyHeaders,
        fc.array(secret, { maxLength: 3 }),
        (rawBody, headers, secrets) => {
          verdict({ rawBody, headers, secrets, ...WINDOW });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('verifies any body signed with any accepted secret inside the window', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 2000 }),
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: -WINDOW.maxAgeSeconds, max: WINDOW.maxFutureSeconds }),
        (rawBody, secrets, pick, skew) => {
          const headers = signWebhook(rawBody, secrets[pick % secrets.length]!, { nowSeconds: NOW + skew });

          expect(verdict({ rawBody, headers, secrets, ...WINDOW })).toBe('verified');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('agrees with the independent test signer, and refuses any other body under that signature', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 500 }),
        fc.string({ maxLength: 500 }),
        secret,
        (body, other, key) => {
          const { headers } = builderSign({ body, secret: key, timestamp: NOW });

          expect(verdict({ rawBody: body, headers, secrets: [key], ...WINDOW })).toBe('verified');
          if (other !== body) {
            expect(verdict({ rawBody: other, headers, secrets: [key], ...WINDOW })).toBe(
              'signature_mismatch',
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a signature older than the window or further ahead than allowed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: WINDOW.maxAgeSeconds + 1, max: 10 * WINDOW.maxAgeSeconds }).map((s) => -s),
          fc.integer({ min: WINDOW.maxFutureSeconds + 1, max: 10 * WINDOW.maxAgeSeconds }),
        ),
        (skew) => {
          const headers = signWebhook('{}', 'secret', { nowSeconds: NOW + skew });

          expect(verdict({ rawBody: '{}', headers, secrets: ['secret'], ...WINDOW })).toBe(
            skew < 0 ? 'timestamp_too_old' : 'timestamp_in_future',
          );
        },
      ),
    );
  });
});
