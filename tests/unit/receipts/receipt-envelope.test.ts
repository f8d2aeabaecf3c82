import fc from 'fast-check';
import { MAX_WEBHOOK_BODY_BYTES } from '../../../lib/ingress/ingress-handler';
import { decodeEnvelope, encodeEnvelope, readEnvelope } from '../../../lib/receipts/receipt-envelope';

/** What SQS accepts in a message body: #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD, #x10000–#x10FFFF. */
const SQS_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** The queues' MaximumMessageSize (serverless.yml): 1 MiB. */
const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
const RECEIVED_AT = '2026-11-28T10:00:00.000Z';

describe('receipt envelope', () => {
  it('round-trips the raw body byte for byte, including emoji, U+FFFE, control characters and a trailing newline', () => {
    const rawBody = '{"a": "caf\u00e9 \u{1F4E9} \uFFFE\uFFFF \u0000\u0007\u001b"}\n';

    const body = encodeEnvelope({ receivedAt: RECEIVED_AT, rawBody });

    expect(body).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeEnvelope(body)).toEqual({ receivedAt: RECEIVED_AT, rawBody });
  });

  it('round-trips any well-formed string as a body SQS accepts, within the size limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (rawBody) => {
        const body = encodeEnvelope({ receivedAt: RECEIVED_AT, rawBody });

        expect(SQS_BODY.test(body)).toBe(true);
        expect(decodeEnvelope(body)).toEqual({ receivedAt: RECEIVED_AT, rawBody });
      }),
      { numRuns: 1000 },
    );
  });

  it('fits the largest body the ingress accepts into one SQS message, whatever its characters', () => {
    // The worst case for any escaping: 256 KiB of control characters. Base64 does not care what it carries.
    const rawBody = '\u0001'.repeat(MAX_WEBHOOK_BODY_BYTES);

    const body = encodeEnvelope({ receivedAt: RECEIVED_AT, rawBody });

    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(SQS_MAX_MESSAGE_BYTES);
    expect(decodeEnvelope(body)?.rawBody).toBe(rawBody);
  });

  it('refuses a body whose bytes changed in transit', () => {
    const body = encodeEnvelope({ receivedAt: RECEIVED_AT, rawBody: '{"status":"FAILED"}' });
    const parsed = JSON.parse(body) as { body: string };
    const tampered = JSON.stringify({
      ...parsed,
      body: Buffer.from('{"status":"DELIVERED"}').toString('base64'),
    });

    expect(readEnvelope(tampered)).toEqual({ problem: 'body_digest_mismatch' });
  });

  it('still reads version 1 envelopes queued before version 2', () => {
    expect(decodeEnvelope('{"v":1,"receivedAt":"x","rawBody":"{}"}')).toEqual({
      receivedAt: 'x',
      rawBody: '{}',
    });
  });

  it.each([
    ['not json'],
    ['null'],
    ['{"v":3,"receivedAt":"x","rawBody":"y"}'],
    ['{"v":1,"receivedAt":"x"}'],
    ['{"v":2,"receivedAt":"x","body":"not base64!","sha256":"00"}'],
  ])('is not an envelope: %s', (body) => {
    expect(readEnvelope(body)).toEqual({ problem: 'not_an_envelope' });
  });
});
