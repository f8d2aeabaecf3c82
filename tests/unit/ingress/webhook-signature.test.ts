import {
  ConfigError,
  WebhookVerificationError,
  type WebhookRejectionReason,
} from '../../../lib/shared/errors';
import {
  computeWebhookSignature,
  parseSecrets,
  verifyWebhookSignature,
  type WebhookVerificationInput,
} from '../../../lib/ingress/webhook-signature';
import { deliveryReportBody } from '../../builders/delivery-report';
import { signWebhook } from '../../builders/signed-webhook';
import ownFixture from '../../fixtures/sinch-own-signed-report.json';
import officialVectors from '../../fixtures/sinch-signature-vectors.json';

const NOW = 1_772_446_534;
const HOUR = 3600;
/** The default maximum age (`WEBHOOK_MAX_AGE_SECONDS`). */
const DAY = 86_400;
const SECRET = 'current-webhook-secret-0123456789';

interface Vector {
  readonly name: string;
  readonly secret: string;
  readonly nonce: string;
  readonly timestamp: string;
  readonly body: string;
  readonly signature: string;
}

const vectors: readonly Vector[] = [
  ...officialVectors.vectors,
  { name: 'own fixture: FAILED delivery report', ...ownFixture },
];

function headersOf(vector: Vector): Record<string, string> {
  return {
    'x-sinch-webhook-signature': vector.signature,
    'x-sinch-webhook-signature-nonce': vector.nonce,
    'x-sinch-webhook-signature-timestamp': vector.timestamp,
  };
}

type Input = WebhookVerificationInput & { readonly headers: Record<string, string> };

function signedInput(overrides: Partial<WebhookVerificationInput> = {}): WebhookVerificationInput {
  return { ...baseInput(), ...overrides };
}

function baseInput(): Input {
  const { body, headers } = signWebhook({ body: deliveryReportBody(), secret: SECRET, timestamp: NOW });
  return {
    rawBody: body,
    headers,
    secrets: [SECRET],
    maxAgeSeconds: DAY,
    maxFutureSeconds: 300,
    nowSeconds: NOW,
  };
}

function rejectionOf(input: WebhookVerificationInput): WebhookRejectionReason | undefined {
  try {
    verifyWebhookSignature(input);
    return undefined;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

describe('Sinch webhook signature', () => {
  describe('official and own test vectors', () => {
    it.each(vectors)('computes the published signature: $name', (vector) => {
      expect(computeWebhookSignature(vector.body, vector.nonce, vector.timestamp, vector.secret)).toBe(
        vector.signature,
      );
    });

    it.each(vectors)('accepts the vector with the clock at its timestamp: $name', (vector) => {
      const verified = verifyWebhookSignature({
        rawBody: vector.body,
        headers: headersOf(vector),
        secrets: [vector.secret],
        maxAgeSeconds: DAY,
        maxFutureSeconds: 300,
        nowSeconds: Number(vector.timestamp),
      });

      expect(verified).toEqual({ nonce: vector.nonce, timestamp: Number(vector.timestamp) });
    });

    it('verifies the exact bytes: the multi-line vector fails once trimmed or re-serialised', () => {
      const multiLine = vectors.find((vector) => vector.body.endsWith('\n'));
      if (!multiLine) throw new Error('the multi-line vector is missing from the fixtures');
      const verify = (rawBody: string) =>
        rejectionOf({
          rawBody,
          headers: headersOf(multiLine),
          secrets: [multiLine.secret],
          maxAgeSeconds: DAY,
          maxFutureSeconds: 300,
          nowSeconds: Number(multiLine.timestamp),
        });

      expect(verify(multiLine.body)).toBeUndefined();
      expect(verify(multiLine.body.trimEnd())).toBe('signature_mismatch');
      expect(verify(JSON.stringify(JSON.parse(multiLine.body)))).toBe('signature_mismatch');
    });
  });

  describe('generated requests', () => {
    it('accepts a request signed with the configured secret', () => {
      expect(rejectionOf(signedInput())).toBeUndefined();
    });

    it('accepts a request without the optional algorithm header', () => {
      const { body, headers } = signWebhook({ body: '{}', secret: SECRET, timestamp: NOW, algorithm: null });

      expect(rejectionOf(signedInput({ rawBody: body, headers }))).toBeUndefined();
    });

    it('accepts a body with non-ASCII characters, hashed as UTF-8', () => {
      const body = deliveryReportBody({ metadata: 'café ✓ 📩' });
      const { headers } = signWebhook({ body, secret: SECRET, timestamp: NOW });

      expect(rejectionOf(signedInput({ rawBody: body, headers }))).toBeUndefined();
    });

    it('reads header names in any case, as API Gateway REST APIs deliver them', () => {
      const { body, headers } = signWebhook({ body: '{}', secret: SECRET, timestamp: NOW });
      const shouted = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]),
      );

      expect(rejectionOf(signedInput({ rawBody: body, headers: shouted }))).toBeUndefined();
    });

    it('takes the first value of array-valued headers', () => {
      const { body, headers } = signWebhook({ body: '{}', secret: SECRET, timestamp: NOW });
      const multi = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, [value, 'other']]),
      );

      expect(rejectionOf(signedInput({ rawBody: body, headers: multi }))).toBeUndefined();
    });
  });

  describe('secret rotation', () => {
    it('accepts a request signed with any configured secret', () => {
      const { body, headers } = signWebhook({ body: '{}', secret: 'previous-secret', timestamp: NOW });

      expect(
        rejectionOf(signedInput({ rawBody: body, headers, secrets: [SECRET, 'previous-secret'] })),
      ).toBeUndefined();
    });

    it('rejects a request signed with a secret that has been rotated out', () => {
      const { body, headers } = signWebhook({ body: '{}', secret: 'retired-secret', timestamp: NOW });

      expect(rejectionOf(signedInput({ rawBody: body, headers, secrets: [SECRET, 'previous-secret'] }))).toBe(
        'signature_mismatch',
      );
    });

    it('rejects everything when no secret is configured', () => {
      expect(rejectionOf(signedInput({ secrets: [] }))).toBe('no_secret_configured');
    });
  });

  describe('time window', () => {
    it.each([
      { signedAt: 'exactly the maximum age ago', nowSeconds: NOW + DAY, expected: 'accepted' },
      {
        signedAt: 'one second more than the maximum age ago',
        nowSeconds: NOW + DAY + 1,
        expected: 'timestamp_too_old',
      },
      { signedAt: 'exactly the future bound ahead', nowSeconds: NOW - 300, expected: 'accepted' },
      {
        signedAt: 'one second more than the future bound ahead',
        nowSeconds: NOW - 301,
        expected: 'timestamp_in_future',
      },
      { signedAt: 'an hour ago (a late Sinch retry)', nowSeconds: NOW + HOUR, expected: 'accepted' },
      { signedAt: 'three days ago', nowSeconds: NOW + 3 * DAY, expected: 'timestamp_too_old' },
      { signedAt: 'an hour ahead', nowSeconds: NOW - HOUR, expected: 'timestamp_in_future' },
    ])('answers $expected for a request signed $signedAt', ({ nowSeconds, expected }) => {
      // Act
      const outcome = rejectionOf(signedInput({ nowSeconds })) ?? 'accepted';

      // Assess
      expect(outcome).toBe(expected);
    });

    it('bounds the past and the future separately, as configured', () => {
      // Prepare
      const window = { maxAgeSeconds: 600, maxFutureSeconds: 60 };

      // Act
      const outcomes = [NOW + 600, NOW + 601, NOW - 60, NOW - 61].map(
        (nowSeconds) => rejectionOf(signedInput({ nowSeconds, ...window })) ?? 'accepted',
      );

      // Assess
      expect(outcomes).toEqual(['accepted', 'timestamp_too_old', 'accepted', 'timestamp_in_future']);
    });

    it('reports a forged stale request as a mismatch, not as stale', () => {
      const input = signedInput({ nowSeconds: NOW + 3 * DAY });

      expect(rejectionOf({ ...input, secrets: ['wrong-secret'] })).toBe('signature_mismatch');
    });
  });

  describe('rejection reasons', () => {
    const base = baseInput();
    const without = (name: string) =>
      Object.fromEntries(Object.entries(base.headers).filter(([header]) => header !== name));
    const withHeader = (name: string, value: string) => ({ ...base.headers, [name]: value });
    const tamperedSignature = (() => {
      const signature = base.headers['x-sinch-webhook-signature'] ?? '';
      const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      return withHeader('x-sinch-webhook-signature', flipped);
    })();

    it.each<[string, Partial<WebhookVerificationInput>, WebhookRejectionReason]>([
      ['no signature header', { headers: without('x-sinch-webhook-signature') }, 'missing_signature'],
      [
        'an empty signature header',
        { headers: withHeader('x-sinch-webhook-signature', '') },
        'missing_signature',
      ],
      ['no nonce header', { headers: without('x-sinch-webhook-signature-nonce') }, 'missing_nonce'],
      [
        'no timestamp header',
        { headers: without('x-sinch-webhook-signature-timestamp') },
        'missing_timestamp',
      ],
      [
        'an algorithm other than HmacSHA256',
        { headers: withHeader('x-sinch-webhook-signature-algorithm', 'HmacSHA1') },
        'unsupported_algorithm',
      ],
      [
        'a signature that is not base64 of 32 bytes',
        { headers: withHeader('x-sinch-webhook-signature', 'not-a-signature') },
        'malformed_signature',
      ],
      [
        'a signature with its padding stripped',
        {
          headers: withHeader(
            'x-sinch-webhook-signature',
            (base.headers['x-sinch-webhook-signature'] ?? '').slice(0, -1),
          ),
        },
        'malformed_signature',
      ],
      [
        'a timestamp with a fraction of a second',
        { headers: withHeader('x-sinch-webhook-signature-timestamp', '1772446534.5') },
        'malformed_timestamp',
      ],
      [
        'a timestamp that is not a number',
        { headers: withHeader('x-sinch-webhook-signature-timestamp', 'yesterday') },
        'malformed_timestamp',
      ],
      ['a tampered signature', { headers: tamperedSignature }, 'signature_mismatch'],
      ['a body changed after signing', { rawBody: `${base.rawBody} ` }, 'signature_mismatch'],
      [
        'a nonce changed after signing',
        { headers: withHeader('x-sinch-webhook-signature-nonce', '01HZX4S0BBBBBBBBBBBBBBBBBB') },
        'signature_mismatch',
      ],
      ['the wrong secret', { secrets: ['another-secret'] }, 'signature_mismatch'],
    ])('rejects %s', (_case, overrides, reason) => {
      expect(rejectionOf({ ...base, ...overrides })).toBe(reason);
    });

    it('throws a 401 error that is never exposed to the caller', () => {
      expect(() => verifyWebhookSignature({ ...base, secrets: ['another-secret'] })).toThrow(
        expect.objectContaining({ name: 'WebhookVerificationError', statusCode: 401, expose: false }),
      );
    });
  });
});

describe('parseSecrets', () => {
  it('reads one secret', () => {
    expect(parseSecrets('only-secret')).toEqual(['only-secret']);
  });

  it('reads several secrets, one per line, current first, trimming and dropping blank lines', () => {
    expect(parseSecrets('  new-secret \r\n\n old-secret\n')).toEqual(['new-secret', 'old-secret']);
  });

  it.each([[''], ['\n \n'], [undefined], [{ secret: 'x' }], [['a', 'b']]])(
    'refuses a value with no usable secret: %p',
    (value) => {
      expect(() => parseSecrets(value)).toThrow(ConfigError);
    },
  );

  it('never puts the value in the error message', () => {
    expect(() => parseSecrets({ secret: 'super-secret-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('super-secret-value') }),
    );
  });
});
