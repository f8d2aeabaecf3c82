import { ValidationError, type FieldIssue } from '../../../lib/shared/errors';
import { DEFAULT_POLICY } from '../../../lib/table/delivery-model';
import { fingerprintRequest, validateDeliveryRequest } from '../../../lib/delivery/delivery-request';
import { aDeliveryRequest, TEST_NOW } from '../../builders/delivery-request';

function issuesOf(input: unknown): FieldIssue[] {
  try {
    validateDeliveryRequest(input, { now: TEST_NOW });
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

const minutesFromNow = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString();
const base = aDeliveryRequest();

describe('validateDeliveryRequest', () => {
  describe('accepts', () => {
    it('a complete request and keeps every field', () => {
      const valid = validateDeliveryRequest(base, { now: TEST_NOW });

      expect(valid).toEqual({
        deliveryId: 'login-7f3a9c',
        to: base.to,
        text: base.text,
        email: base.email,
        expiresAt: base.expiresAt,
        policy: DEFAULT_POLICY,
      });
    });

    it('a request without deliveryId by generating one', () => {
      const valid = validateDeliveryRequest(aDeliveryRequest({ deliveryId: undefined }), {
        now: TEST_NOW,
        newId: () => '01JH0000000000000000000000',
      });

      expect(valid.deliveryId).toBe('01JH0000000000000000000000');
    });

    it('a request without deliveryId by generating a ULID by default', () => {
      const valid = validateDeliveryRequest(aDeliveryRequest({ deliveryId: undefined }), { now: TEST_NOW });

      expect(valid.deliveryId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    });

    it('an SMS-only request without email', () => {
      const valid = validateDeliveryRequest(aDeliveryRequest({ email: undefined }), { now: TEST_NOW });

      expect(valid).not.toHaveProperty('email');
    });

    it('a partial policy and fills the rest from the defaults', () => {
      const valid = validateDeliveryRequest(aDeliveryRequest({ policy: { maxSmsAttempts: 5 } }), {
        now: TEST_NOW,
      });

      expect(valid.policy).toEqual({ ...DEFAULT_POLICY, maxSmsAttempts: 5 });
    });

    it.each([
      ['the smallest policy', { maxSmsAttempts: 1, receiptTimeoutSeconds: 10, resendBackoffSeconds: [] }],
      [
        'the largest policy',
        { maxSmsAttempts: 5, receiptTimeoutSeconds: 3600, resendBackoffSeconds: [0, 3600, 60, 60, 60] },
      ],
    ])('%s', (_label, policy) => {
      expect(validateDeliveryRequest(aDeliveryRequest({ policy }), { now: TEST_NOW }).policy).toEqual(policy);
    });

    it('an expiry exactly 24 hours away', () => {
      expect(() =>
        validateDeliveryRequest(aDeliveryRequest({ expiresAt: minutesFromNow(24 * 60) }), { now: TEST_NOW }),
      ).not.toThrow();
    });

    it('an expiry with an offset and normalises it to UTC', () => {
      const valid = validateDeliveryRequest(aDeliveryRequest({ expiresAt: '2030-01-01T13:05:00+01:00' }), {
        now: TEST_NOW,
      });

      expect(valid.expiresAt).toBe('2030-01-01T12:05:00.000Z');
    });

    it.each([
      ['a US number (fixed and mobile share ranges)', '+12015550123'],
      ['a French mobile', '+33612345678'],
      ['a German mobile', '+4915112345678'],
      ['a Brazilian mobile', '+5511912345678'],
    ])('%s', (_label, to) => {
      expect(validateDeliveryRequest(aDeliveryRequest({ to }), { now: TEST_NOW }).to).toBe(to);
    });

    it('a text of exactly 1600 characters, counting an emoji as one', () => {
      const text = '🔐' + 'a'.repeat(1599);

      expect(validateDeliveryRequest(aDeliveryRequest({ text }), { now: TEST_NOW }).text).toBe(text);
    });
  });

  describe('rejects', () => {
    it.each<[string, unknown, FieldIssue]>([
      ['a body that is not an object', 'hello', { path: '(body)', message: 'must be an object' }],
      ['a body that is null', null, { path: '(body)', message: 'must be an object' }],
      [
        'an unknown top-level field',
        { ...base, priority: 'high' },
        { path: 'priority', message: 'is not a recognised field' },
      ],
      ['a missing to', { ...base, to: undefined }, { path: 'to', message: 'is required' }],
      [
        'a to that is not a string',
        { ...base, to: 447400123456 },
        { path: 'to', message: 'must be a phone number in E.164 form' },
      ],
      [
        'a to without the plus sign',
        { ...base, to: '447400123456' },
        { path: 'to', message: 'must be an E.164 number such as +447400123456 (no spaces)' },
      ],
      [
        'a to with spaces',
        { ...base, to: '+44 7400 123456' },
        { path: 'to', message: 'must be an E.164 number such as +447400123456 (no spaces)' },
      ],
      [
        'a to that is too long for E.164',
        { ...base, to: '+4474001234567890' },
        { path: 'to', message: 'must be an E.164 number such as +447400123456 (no spaces)' },
      ],
      [
        'a UK landline',
        { ...base, to: '+442079460000' },
        { path: 'to', message: 'must be a valid mobile number' },
      ],
      [
        'a French landline',
        { ...base, to: '+33123456789' },
        { path: 'to', message: 'must be a valid mobile number' },
      ],
      [
        'a number in an unassigned range',
        { ...base, to: '+447700900123' },
        { path: 'to', message: 'must be a valid mobile number' },
      ],
      [
        'a number with too few digits',
        { ...base, to: '+4474001' },
        { path: 'to', message: 'must be a valid mobile number' },
      ],
      ['a missing text', { ...base, text: undefined }, { path: 'text', message: 'is required' }],
      ['an empty text', { ...base, text: '' }, { path: 'text', message: 'must not be empty' }],
      [
        'a text of only whitespace',
        { ...base, text: ' \n ' },
        { path: 'text', message: 'must not be empty' },
      ],
      [
        'a text over 1600 characters',
        { ...base, text: 'a'.repeat(1601) },
        { path: 'text', message: 'must be at most 1600 characters' },
      ],
      ['a text that is not a string', { ...base, text: 42 }, { path: 'text', message: 'must be a string' }],
      [
        'an email that is not an object',
        { ...base, email: 'alice@example.com' },
        { path: 'email', message: 'must be an object' },
      ],
      [
        'an email without an address',
        { ...base, email: { subject: 's', text: 't' } },
        { path: 'email.to', message: 'is required' },
      ],
      [
        'an email with an invalid address',
        { ...base, email: { ...base.email, to: 'alice@' } },
        { path: 'email.to', message: 'must be a valid email address' },
      ],
      [
        'an email address over 254 characters',
        { ...base, email: { ...base.email, to: `${'a'.repeat(250)}@example.com` } },
        { path: 'email.to', message: 'must be at most 254 characters' },
      ],
      [
        'an email without a subject',
        { ...base, email: { to: 'a@example.com', text: 't' } },
        { path: 'email.subject', message: 'is required' },
      ],
      [
        'an empty email subject',
        { ...base, email: { ...base.email, subject: '  ' } },
        { path: 'email.subject', message: 'must not be empty' },
      ],
      [
        'an email subject with a line break',
        { ...base, email: { ...base.email, subject: 'Code\r\nBcc: x@example.com' } },
        { path: 'email.subject', message: 'must be a single line' },
      ],
      [
        'an email subject over 200 characters',
        { ...base, email: { ...base.email, subject: 's'.repeat(201) } },
        { path: 'email.subject', message: 'must be at most 200 characters' },
      ],
      [
        'an email without text',
        { ...base, email: { to: 'a@example.com', subject: 's' } },
        { path: 'email.text', message: 'is required' },
      ],
      [
        'an empty email text',
        { ...base, email: { ...base.email, text: '' } },
        { path: 'email.text', message: 'must not be empty' },
      ],
      [
        'an email text over 10000 characters',
        { ...base, email: { ...base.email, text: 't'.repeat(10_001) } },
        { path: 'email.text', message: 'must be at most 10000 characters' },
      ],
      [
        'an unknown email field',
        { ...base, email: { ...base.email, cc: 'b@example.com' } },
        { path: 'email.cc', message: 'is not a recognised field' },
      ],
      [
        'a missing expiresAt',
        { ...base, expiresAt: undefined },
        { path: 'expiresAt', message: 'is required' },
      ],
      [
        'an expiresAt that is a number',
        { ...base, expiresAt: TEST_NOW.getTime() + 60_000 },
        { path: 'expiresAt', message: 'must be an ISO 8601 timestamp' },
      ],
      [
        'an expiresAt without a time zone',
        { ...base, expiresAt: '2030-01-01T12:10:00' },
        {
          path: 'expiresAt',
          message: 'must be an ISO 8601 timestamp with a time zone, e.g. 2030-01-01T12:00:00Z',
        },
      ],
      [
        'an expiresAt that is only a date',
        { ...base, expiresAt: '2030-01-02' },
        {
          path: 'expiresAt',
          message: 'must be an ISO 8601 timestamp with a time zone, e.g. 2030-01-01T12:00:00Z',
        },
      ],
      [
        'an expiresAt at a minute that does not exist',
        { ...base, expiresAt: '2030-01-01T12:70:00Z' },
        { path: 'expiresAt', message: 'must be a real date and time' },
      ],
      [
        'an expiresAt on 30 February, which Date.parse would roll over into March',
        { ...base, expiresAt: '2030-02-30T12:00:00Z' },
        { path: 'expiresAt', message: 'must be a real date and time' },
      ],
      [
        'an expiresAt at 24:00',
        { ...base, expiresAt: '2030-01-01T24:00:00Z' },
        { path: 'expiresAt', message: 'must be a real date and time' },
      ],
      [
        'an expiresAt with an offset beyond 23 hours',
        { ...base, expiresAt: '2030-01-01T12:10:00+24:00' },
        { path: 'expiresAt', message: 'must be a real date and time' },
      ],
      [
        'an expiresAt in the past',
        { ...base, expiresAt: minutesFromNow(-1) },
        { path: 'expiresAt', message: 'must be in the future' },
      ],
      [
        'an expiresAt equal to now',
        { ...base, expiresAt: TEST_NOW.toISOString() },
        { path: 'expiresAt', message: 'must be in the future' },
      ],
      [
        'an expiresAt more than 24 hours away',
        { ...base, expiresAt: minutesFromNow(24 * 60 + 1) },
        { path: 'expiresAt', message: 'must be at most 24 hours from now' },
      ],
      [
        'a deliveryId with a slash',
        { ...base, deliveryId: 'a/b' },
        { path: 'deliveryId', message: 'must be 1 to 80 letters, digits, "_" or "-"' },
      ],
      [
        'an empty deliveryId',
        { ...base, deliveryId: '' },
        { path: 'deliveryId', message: 'must be 1 to 80 letters, digits, "_" or "-"' },
      ],
      [
        'a deliveryId over 80 characters',
        { ...base, deliveryId: 'a'.repeat(81) },
        { path: 'deliveryId', message: 'must be 1 to 80 letters, digits, "_" or "-"' },
      ],
      [
        'a deliveryId that is a number',
        { ...base, deliveryId: 7 },
        { path: 'deliveryId', message: 'must be a string' },
      ],
      [
        'a policy that is not an object',
        { ...base, policy: [] },
        { path: 'policy', message: 'must be an object' },
      ],
      [
        'an unknown policy field',
        { ...base, policy: { retries: 2 } },
        { path: 'policy.retries', message: 'is not a recognised field' },
      ],
      [
        'maxSmsAttempts of 0',
        { ...base, policy: { maxSmsAttempts: 0 } },
        { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
      ],
      [
        'maxSmsAttempts of 6',
        { ...base, policy: { maxSmsAttempts: 6 } },
        { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
      ],
      [
        'a fractional maxSmsAttempts',
        { ...base, policy: { maxSmsAttempts: 2.5 } },
        { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
      ],
      [
        'maxSmsAttempts as a string',
        { ...base, policy: { maxSmsAttempts: '3' } },
        { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
      ],
      [
        'receiptTimeoutSeconds under 10',
        { ...base, policy: { receiptTimeoutSeconds: 9 } },
        { path: 'policy.receiptTimeoutSeconds', message: 'must be a whole number from 10 to 3600' },
      ],
      [
        'receiptTimeoutSeconds over 3600',
        { ...base, policy: { receiptTimeoutSeconds: 3601 } },
        { path: 'policy.receiptTimeoutSeconds', message: 'must be a whole number from 10 to 3600' },
      ],
      [
        'resendBackoffSeconds that is not a list',
        { ...base, policy: { resendBackoffSeconds: 10 } },
        { path: 'policy.resendBackoffSeconds', message: 'must be a list of seconds' },
      ],
      [
        'resendBackoffSeconds with six entries',
        { ...base, policy: { resendBackoffSeconds: [1, 2, 3, 4, 5, 6] } },
        { path: 'policy.resendBackoffSeconds', message: 'must have at most 5 entries' },
      ],
      [
        'a negative backoff',
        { ...base, policy: { resendBackoffSeconds: [10, -1] } },
        { path: 'policy.resendBackoffSeconds[1]', message: 'must be a whole number from 0 to 3600' },
      ],
      [
        'a backoff over an hour',
        { ...base, policy: { resendBackoffSeconds: [3601] } },
        { path: 'policy.resendBackoffSeconds[0]', message: 'must be a whole number from 0 to 3600' },
      ],
      [
        'a fractional backoff',
        { ...base, policy: { resendBackoffSeconds: [1.5] } },
        { path: 'policy.resendBackoffSeconds[0]', message: 'must be a whole number from 0 to 3600' },
      ],
    ])('%s', (_label, input, expected) => {
      expect(issuesOf(input)).toEqual([expected]);
    });

    it('reports every broken rule at once, one issue per field', () => {
      const issues = issuesOf({
        to: '+442079460000',
        text: '',
        expiresAt: minutesFromNow(-5),
        policy: { maxSmsAttempts: 9, resendBackoffSeconds: [5, -5] },
        extra: true,
      });

      expect(issues).toEqual([
        { path: 'to', message: 'must be a valid mobile number' },
        { path: 'text', message: 'must not be empty' },
        { path: 'expiresAt', message: 'must be in the future' },
        { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
        { path: 'policy.resendBackoffSeconds[1]', message: 'must be a whole number from 0 to 3600' },
        { path: 'extra', message: 'is not a recognised field' },
      ]);
    });

    it('reports every unknown field by name, at every level, not only the first', () => {
      // Prepare: JSON.parse makes `__proto__` an own key, as a hostile caller's body would.
      const input: unknown = JSON.parse(
        JSON.stringify({
          ...base,
          prototype: 1,
          'to ': '+46701740610',
          email: { ...base.email, cc: 'x' },
        }).replace('"prototype"', '"__proto__":{"polluted":true},"prototype"'),
      );

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues).toEqual([
        { path: '__proto__', message: 'is not a recognised field' },
        { path: 'prototype', message: 'is not a recognised field' },
        { path: 'to ', message: 'is not a recognised field' },
        { path: 'email.cc', message: 'is not a recognised field' },
      ]);
    });

    it('throws a ValidationError that maps to HTTP 400 and may be shown to the caller', () => {
      expect(() => validateDeliveryRequest({}, { now: TEST_NOW })).toThrow(
        expect.objectContaining({ name: 'ValidationError', statusCode: 400, expose: true }),
      );
    });

    it('never generates an id for a rejected request', () => {
      const newId = jest.fn(() => 'x');

      expect(() =>
        validateDeliveryRequest({ ...base, deliveryId: undefined, text: '' }, { now: TEST_NOW, newId }),
      ).toThrow(ValidationError);
      expect(newId).not.toHaveBeenCalled();
    });
  });
});

describe('fingerprintRequest', () => {
  const valid = validateDeliveryRequest(base, { now: TEST_NOW });

  it('is the same for the same request written with another key order or offset', () => {
    const reordered = validateDeliveryRequest(
      {
        policy: { resendBackoffSeconds: [10, 30] },
        expiresAt: '2030-01-01T13:10:00+01:00',
        email: { text: base.email!.text, subject: base.email!.subject, to: base.email!.to },
        text: base.text,
        to: base.to,
        deliveryId: base.deliveryId,
      },
      { now: TEST_NOW },
    );

    expect(fingerprintRequest(reordered)).toBe(fingerprintRequest(valid));
  });

  it.each([
    ['the text', { text: 'Your code is 000000.' }],
    ['the recipient', { to: '+33612345678' }],
    ['the expiry', { expiresAt: minutesFromNow(11) }],
    ['the email', { email: undefined }],
    ['the policy', { policy: { maxSmsAttempts: 1 } }],
  ])('changes when %s changes', (_label, change) => {
    const changed = validateDeliveryRequest(aDeliveryRequest(change), { now: TEST_NOW });

    expect(fingerprintRequest(changed)).not.toBe(fingerprintRequest(valid));
  });

  it('does not depend on the deliveryId, which is the key it is stored under', () => {
    const other = validateDeliveryRequest(aDeliveryRequest({ deliveryId: 'other' }), { now: TEST_NOW });

    expect(fingerprintRequest(other)).toBe(fingerprintRequest(valid));
  });

  it('is a hex SHA-256 that reveals nothing of the request', () => {
    expect(fingerprintRequest(valid)).toMatch(/^[0-9a-f]{64}$/);
  });
});
