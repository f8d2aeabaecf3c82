import { decodeEnvelope, encodeEnvelope } from '../../../lib/receipts/receipt-envelope';

describe('receipt envelope', () => {
  it('round-trips the raw body byte for byte, including emoji and a trailing newline', () => {
    const rawBody = '{"a": "caf\u00e9 \u{1F4E9}"}\n';
    const body = encodeEnvelope({ v: 1, receivedAt: '2026-11-28T10:00:00.000Z', rawBody });

    expect(body).not.toMatch(/[\u{10000}-\u{10FFFF}]/u);
    expect(decodeEnvelope(body)).toEqual({ v: 1, receivedAt: '2026-11-28T10:00:00.000Z', rawBody });
  });

  it.each([['not json'], ['null'], ['{"v":2,"receivedAt":"x","rawBody":"y"}'], ['{"v":1,"receivedAt":"x"}']])(
    'returns undefined for a body that is not an envelope: %s',
    (body) => {
      expect(decodeEnvelope(body)).toBeUndefined();
    },
  );
});
