import { buildMetaItem, retentionTtl } from '../../../lib/delivery/meta-item';
import { validateDeliveryRequest } from '../../../lib/delivery/delivery-request';
import { hashRecipient } from '../../../lib/shared/pii';
import { aDeliveryRequest, TEST_MOBILE, TEST_NOW } from '../../builders/delivery-request';

const HASH_KEY = 'test-recipient-hash-key-0123456789';

describe('retentionTtl', () => {
  it('counts the retention days from the expiry, in epoch seconds', () => {
    expect(retentionTtl('2030-01-01T12:10:00.000Z', 30)).toBe(Date.parse('2030-01-31T12:10:00.000Z') / 1000);
  });
});

describe('buildMetaItem', () => {
  const request = validateDeliveryRequest(aDeliveryRequest(), { now: TEST_NOW });
  const context = { createdAt: TEST_NOW, recipientHashKey: HASH_KEY, retentionDays: 7 };

  it('keys the item by delivery and holds masked and keyed-hashed forms of the recipient', () => {
    const item = buildMetaItem(request, context);

    expect(item).toEqual({
      PK: 'D#login-7f3a9c',
      SK: 'META',
      deliveryId: 'login-7f3a9c',
      to: TEST_MOBILE,
      text: request.text,
      email: request.email,
      emailMasked: 'a****@example.com',
      policy: request.policy,
      requestHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: '2030-01-01T12:00:00.000Z',
      expiresAt: '2030-01-01T12:10:00.000Z',
      toMasked: '+44******3456',
      toHash: hashRecipient(TEST_MOBILE, HASH_KEY),
      ttl: retentionTtl('2030-01-01T12:10:00.000Z', 7),
    });
  });

  it('leaves out the email fields for an SMS-only request', () => {
    const smsOnly = validateDeliveryRequest(aDeliveryRequest({ email: undefined }), { now: TEST_NOW });

    const item = buildMetaItem(smsOnly, context);

    expect(item).not.toHaveProperty('email');
    expect(item).not.toHaveProperty('emailMasked');
  });

  it('refuses a recipient hash key shorter than 16 characters', () => {
    expect(() => buildMetaItem(request, { ...context, recipientHashKey: '0123456789abcde' })).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    );
  });
});
