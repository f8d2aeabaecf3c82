import { DEFAULT_POLICY, type DeliveryPolicy } from '../../../lib/table/delivery-model';
import { TASK_ERROR_NAMES } from '../../../lib/shared/errors';
import {
  EXPIRED_FAILURE,
  FALLBACK_FAILURES,
  RESENDABLE_FAILURES,
  backoffBefore,
  decideNextStep,
  type NextAction,
} from '../../../lib/workflow/next-step-policy';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const POLICY: DeliveryPolicy = {
  maxSmsAttempts: 3,
  receiptTimeoutSeconds: 60,
  resendBackoffSeconds: [10, 30],
};

function expiresIn(seconds: number): string {
  return new Date(NOW.getTime() + seconds * 1000).toISOString();
}

describe('decideNextStep', () => {
  // class × attempts left × time left × email → action
  const table: ReadonlyArray<[string, number, number, boolean, NextAction, number]> = [
    // failure,            attempt, seconds left, hasEmail, action, waitSeconds
    ['Sms.Transient', 1, 600, true, 'RESEND', 10],
    ['Sms.RateLimited', 1, 600, true, 'RESEND', 10],
    ['Sms.Unknown', 2, 600, true, 'RESEND', 30],
    ['States.Timeout', 1, 600, true, 'RESEND', 10],
    ['States.Timeout', 2, 600, false, 'RESEND', 30],
    ['Sinch.Unavailable', 1, 600, true, 'RESEND', 10],
    // attempts exhausted
    ['States.Timeout', 3, 600, true, 'EMAIL', 0],
    ['Sms.Transient', 3, 600, false, 'GIVE_UP', 0],
    // not enough time for backoff + another receipt window (10 + 60 = 70 s)
    ['States.Timeout', 1, 69, true, 'EMAIL', 0],
    ['States.Timeout', 1, 70, true, 'RESEND', 10],
    ['Sms.Transient', 2, 89, false, 'GIVE_UP', 0],
    // failures another SMS cannot fix
    ['Sms.Permanent', 1, 600, true, 'EMAIL', 0],
    ['Sms.Policy', 1, 600, true, 'EMAIL', 0],
    ['Sms.Config', 1, 600, true, 'EMAIL', 0],
    ['Sinch.Rejected', 1, 600, true, 'EMAIL', 0],
    ['Sms.Permanent', 1, 600, false, 'GIVE_UP', 0],
    // an error name the policy does not know is not resent
    ['Something.Else', 1, 600, true, 'EMAIL', 0],
    // the code has expired: nothing more is sent, whatever the failure
    ['States.Timeout', 1, 0, true, 'EXPIRED', 0],
    ['Sms.Permanent', 1, -5, true, 'EXPIRED', 0],
    ['Sms.Transient', 1, -5, false, 'EXPIRED', 0],
    ['Delivery.Expired', 1, 600, true, 'EXPIRED', 0],
  ];

  it.each(table)(
    'after %s on attempt %i with %i s left (email: %s) decides %s after %i s',
    (failure, attempt, secondsLeft, hasEmail, action, waitSeconds) => {
      // Act
      const step = decideNextStep({
        failure,
        attempt,
        policy: POLICY,
        expiresAt: expiresIn(secondsLeft),
        now: NOW,
        hasEmail,
      });

      // Assess
      expect(step).toMatchObject({ action, waitSeconds });
    },
  );

  it('explains a resend in plain words, with the attempt numbers', () => {
    const step = decideNextStep({
      failure: 'States.Timeout',
      attempt: 1,
      policy: POLICY,
      expiresAt: expiresIn(600),
      now: NOW,
      hasEmail: true,
    });

    expect(step.reason).toBe(
      'SMS attempt 1 got no delivery report within 60 s; resending in 10 s (attempt 2 of 3).',
    );
  });

  it('says why a resend was not possible before the code expires', () => {
    const step = decideNextStep({
      failure: 'Sms.Transient',
      attempt: 1,
      policy: POLICY,
      expiresAt: expiresIn(42),
      now: NOW,
      hasEmail: true,
    });

    expect(step.reason).toContain('expires in 42 s');
    expect(step.reason).toContain('falling back to email');
  });

  it('says that no email address was given when it gives up', () => {
    const step = decideNextStep({
      failure: 'Sms.Permanent',
      attempt: 1,
      policy: POLICY,
      expiresAt: expiresIn(600),
      now: NOW,
      hasEmail: false,
    });

    expect(step.reason).toMatch(/no email address was given/);
  });

  it('names the expiry instant when the code has expired', () => {
    const step = decideNextStep({
      failure: 'States.Timeout',
      attempt: 2,
      policy: POLICY,
      expiresAt: '2029-12-31T23:59:00Z',
      now: NOW,
      hasEmail: true,
    });

    expect(step.reason).toBe('The code expired at 2029-12-31T23:59:00.000Z; nothing more is sent.');
  });

  it('resends at once when the policy lists no backoff', () => {
    const step = decideNextStep({
      failure: 'States.Timeout',
      attempt: 1,
      policy: { ...POLICY, resendBackoffSeconds: [] },
      expiresAt: expiresIn(600),
      now: NOW,
      hasEmail: true,
    });

    expect(step).toMatchObject({ action: 'RESEND', waitSeconds: 0 });
  });

  it('gives up on SMS after the first failure when the policy allows one attempt', () => {
    const step = decideNextStep({
      failure: 'States.Timeout',
      attempt: 1,
      policy: { ...DEFAULT_POLICY, maxSmsAttempts: 1 },
      expiresAt: expiresIn(600),
      now: NOW,
      hasEmail: true,
    });

    expect(step.action).toBe('EMAIL');
  });
});

describe('backoffBefore', () => {
  it('takes one entry per resend and repeats the last one', () => {
    const policy = { ...POLICY, maxSmsAttempts: 5 };

    expect([1, 2, 3, 4].map((attempt) => backoffBefore(attempt, policy))).toEqual([10, 30, 30, 30]);
  });
});

describe('failure sets', () => {
  it('cover every SMS and Sinch task error, and only known names', () => {
    const covered = new Set([...RESENDABLE_FAILURES, ...FALLBACK_FAILURES, EXPIRED_FAILURE]);
    const smsAndSinch = TASK_ERROR_NAMES.filter((name) => /^(Sms|Sinch)\./.test(name));

    for (const name of smsAndSinch) expect(covered).toContain(name);
    for (const name of covered) {
      if (name !== 'States.Timeout') expect(TASK_ERROR_NAMES as readonly string[]).toContain(name);
    }
  });

  it('never put a failure in both sets', () => {
    for (const name of RESENDABLE_FAILURES) expect(FALLBACK_FAILURES.has(name)).toBe(false);
  });
});
