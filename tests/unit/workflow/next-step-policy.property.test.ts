import fc from 'fast-check';
import {
  AWS_FAILURES,
  decideNextStep,
  EXPIRED_FAILURE,
  FALLBACK_FAILURES,
  RESENDABLE_FAILURES,
} from '../../../lib/workflow/next-step-policy';
import type { DeliveryPolicy } from '../../../lib/table/delivery-model';

/**
 * Properties of the next-step policy over generated deliveries: whatever fails, in whatever order and at
 * whatever time, the workflow never sends more SMS than the policy allows, never sends anything once the
 * code has expired, and never falls back to an email it does not have.
 */

const START = Date.UTC(2026, 11, 2, 10, 0, 0);
const failureName = fc.constantFrom(
  ...RESENDABLE_FAILURES,
  ...FALLBACK_FAILURES,
  ...AWS_FAILURES,
  EXPIRED_FAILURE,
  'Something.Unexpected',
);
const policy: fc.Arbitrary<DeliveryPolicy> = fc.record({
  maxSmsAttempts: fc.integer({ min: 1, max: 5 }),
  receiptTimeoutSeconds: fc.integer({ min: 10, max: 3600 }),
  resendBackoffSeconds: fc.array(fc.integer({ min: 0, max: 3600 }), { maxLength: 5 }),
});

describe('decideNextStep, over any run of failures', () => {
  it('never sends more SMS than allowed, nothing after expiry, and an email only if there is one', () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 24 * 3600 }),
        fc.boolean(),
        fc.array(fc.tuple(failureName, fc.integer({ min: 0, max: 3600 })), { minLength: 1, maxLength: 8 }),
        (deliveryPolicy, validitySeconds, hasEmail, failures) => {
          const expiresAtMs = START + validitySeconds * 1000;
          let nowMs = START;
          let attempt = 1;
          let smsSent = 1;
          for (const [failure, elapsedSeconds] of failures) {
            // The failed attempt took some time to fail (its receipt window, or a retry).
            nowMs += elapsedSeconds * 1000;
            const step = decideNextStep({
              failure,
              attempt,
              policy: deliveryPolicy,
              expiresAt: new Date(expiresAtMs).toISOString(),
              now: new Date(nowMs),
              hasEmail,
            });

            if (nowMs >= expiresAtMs || failure === EXPIRED_FAILURE) expect(step.action).toBe('EXPIRED');
            if (step.action === 'EMAIL') expect(hasEmail).toBe(true);
            if (step.action !== 'RESEND') return;
            // The resend goes out after its backoff, still inside the validity, with time to be confirmed.
            expect(
              nowMs + (step.waitSeconds + deliveryPolicy.receiptTimeoutSeconds) * 1000,
            ).toBeLessThanOrEqual(expiresAtMs);
            nowMs += step.waitSeconds * 1000;
            attempt += 1;
            smsSent += 1;
            expect(smsSent).toBeLessThanOrEqual(deliveryPolicy.maxSmsAttempts);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never turns a failed email back into an SMS', () => {
    fc.assert(
      fc.property(policy, failureName, fc.integer({ min: 1, max: 5 }), (deliveryPolicy, failure, tries) => {
        const step = decideNextStep({
          failure,
          failedTask: 'SendEmail',
          attempt: 1,
          emailFailures: tries,
          policy: deliveryPolicy,
          expiresAt: new Date(START + 600_000).toISOString(),
          now: new Date(START),
          hasEmail: true,
        });

        expect(step.action).not.toBe('RESEND');
      }),
      { numRuns: 500 },
    );
  });
});
