import fc from 'fast-check';
import { validateDeliveryRequest } from '../../../lib/delivery/delivery-request';
import { ValidationError, type FieldIssue } from '../../../lib/shared/errors';
import { aDeliveryRequest, TEST_NOW } from '../../builders/delivery-request';

/**
 * Properties of the send request validator over generated input: whatever a careless or hostile caller
 * sends, the answer is a valid request or a ValidationError listing every broken field, and nothing the
 * validator does not know survives into what is stored.
 */

const REQUEST_FIELDS = ['deliveryId', 'to', 'text', 'email', 'expiresAt', 'policy'];
const EMAIL_FIELDS = ['to', 'subject', 'text'];
const POLICY_FIELDS = ['maxSmsAttempts', 'receiptTimeoutSeconds', 'resendBackoffSeconds'];

function outcomeOf(input: unknown): { ok: true; value: object } | { ok: false; issues: FieldIssue[] } {
  try {
    return { ok: true, value: validateDeliveryRequest(input, { now: TEST_NOW }) };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, issues: [...error.issues] };
    throw error;
  }
}

/** Keys a caller might add: anything but the known ones, including the ones that pollute prototypes. */
const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'prototype'),
    )
    .filter((key) => !known.includes(key));

/** A value that breaks the rules of one field, whatever the rest of the request holds. */
const BROKEN: Record<string, fc.Arbitrary<unknown>> = {
  to: fc.oneof(fc.constant('+442079460000'), fc.constant('0701740610'), fc.integer(), fc.constant('')),
  text: fc.oneof(fc.constant(''), fc.constant('   '), fc.constant('x'.repeat(1601)), fc.boolean()),
  expiresAt: fc.oneof(
    fc.constant('2020-01-01T00:00:00Z'),
    fc.constant('tomorrow'),
    fc.constant('2026-02-30T10:00:00Z'),
    fc.integer(),
  ),
  deliveryId: fc.oneof(fc.constant(''), fc.constant('has space'), fc.constant('x'.repeat(81)), fc.integer()),
  email: fc.oneof(fc.constant('alice@example.com'), fc.constant([]), fc.constant({ to: 'not-an-address' })),
  policy: fc.oneof(
    fc.constant({ maxSmsAttempts: 0 }),
    fc.constant({ receiptTimeoutSeconds: 1 }),
    fc.constant(7),
  ),
};

/** Turns a JSON text into the object a Function URL body would parse to (own `__proto__` keys kept). */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('validateDeliveryRequest, for any input', () => {
  it('answers with a request or a ValidationError, never anything else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        outcomeOf(input);
      }),
      { numRuns: 500 },
    );
  });

  it('reports every unknown field exactly once, at every level, and accepts nothing unknown', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(unknownKey(REQUEST_FIELDS), { maxLength: 4 }),
        fc.uniqueArray(unknownKey(EMAIL_FIELDS), { maxLength: 3 }),
        fc.uniqueArray(unknownKey(POLICY_FIELDS), { maxLength: 3 }),
        (top, email, policy) => {
          const base = aDeliveryRequest({ policy: { maxSmsAttempts: 2 } }) as unknown as Record<
            string,
            unknown
          >;
          const text = JSON.stringify({
            ...base,
            email: { ...(base.email as object) },
            policy: { ...(base.policy as object) },
          });
          // Built as JSON text so keys such as __proto__ are own keys, as in a parsed request body.
          const input = JSON.parse(text) as Record<string, Record<string, unknown>>;
          for (const key of top) Object.defineProperty(input, key, { value: 1, enumerable: true });
          for (const key of email) Object.defineProperty(input.email, key, { value: 1, enumerable: true });
          for (const key of policy) Object.defineProperty(input.policy, key, { value: 1, enumerable: true });

          const outcome = outcomeOf(input);
          const expected = [...top, ...email.map((k) => `email.${k}`), ...policy.map((k) => `policy.${k}`)];

          if (expected.length === 0) {
            expect(outcome.ok).toBe(true);
          } else {
            expect(outcome.ok).toBe(false);
            const paths = outcome.ok ? [] : outcome.issues.map((issue) => issue.path);
            expect([...paths].sort()).toEqual([...expected].sort());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports every broken field, each by its path', () => {
    const fields = Object.keys(BROKEN);
    fc.assert(
      fc.property(
        fc
          .subarray(fields, { minLength: 1 })
          .chain((broken) =>
            fc.tuple(fc.constant(broken), fc.tuple(...broken.map((field) => BROKEN[field]!))),
          ),
        ([broken, values]) => {
          const input: Record<string, unknown> = { ...aDeliveryRequest() };
          broken.forEach((field, index) => {
            input[field] = values[index];
          });

          const outcome = outcomeOf(viaJson(input));

          expect(outcome.ok).toBe(false);
          const reported = new Set(
            outcome.ok ? [] : outcome.issues.map((issue) => issue.path.split(/[.[]/)[0]),
          );
          expect([...reported].sort()).toEqual([...broken].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps only known fields in what it returns, with a plain prototype', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, { maxSmsAttempts: 1 }, { resendBackoffSeconds: [0, 5] }),
        (policy) => {
          const outcome = outcomeOf(viaJson({ ...aDeliveryRequest(), policy }));

          expect(outcome.ok).toBe(true);
          const value = outcome.ok ? (outcome.value as Record<string, unknown>) : {};
          expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
          expect(Object.keys(value).every((key) => REQUEST_FIELDS.includes(key))).toBe(true);
          expect(Object.keys(value.policy as object).every((key) => POLICY_FIELDS.includes(key))).toBe(true);
        },
      ),
    );
  });
});
