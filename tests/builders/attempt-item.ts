import {
  META_SK,
  attemptSk,
  deliveryPk,
  type AttemptItem,
  type DeliveryMetaItem,
} from '../../lib/table/delivery-model';

/**
 * Items of the deliveries table as send-sms and the send API write them, for tests of the receipt
 * processor. The META item carries a real-looking phone number, email and code so tests can assert that
 * none of them leaks into logs, metrics or callbacks.
 */

export const META_PHONE = '+46701234567';
export const META_EMAIL = 'alice@example.com';
export const META_TEXT = 'Your code is 428913';

export function anAttemptItem(
  overrides: Partial<AttemptItem> & { deliveryId: string; attempt?: number },
): AttemptItem {
  const attempt = overrides.attempt ?? 1;
  return {
    PK: deliveryPk(overrides.deliveryId),
    SK: attemptSk(attempt),
    attempt,
    channel: 'SMS',
    taskToken: `token-${overrides.deliveryId}-${attempt}`,
    sentAt: '2026-03-02T10:15:30.000Z',
    status: 'SENT',
    ttl: 1_900_000_000,
    ...overrides,
  };
}

export function aMetaItem(overrides: Partial<DeliveryMetaItem> & { deliveryId: string }): DeliveryMetaItem {
  return {
    PK: deliveryPk(overrides.deliveryId),
    SK: META_SK,
    to: META_PHONE,
    text: META_TEXT,
    email: { to: META_EMAIL, subject: 'Your code', text: META_TEXT },
    policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
    requestHash: 'hash',
    createdAt: '2026-03-02T10:15:29.000Z',
    expiresAt: '2026-03-02T10:25:29.000Z',
    toMasked: '+46******4567',
    toHash: 'to-hash',
    emailMasked: 'a****@example.com',
    attempts: 1,
    ttl: 1_900_000_000,
    ...overrides,
  };
}
