import { DEFAULT_POLICY, type DeliveryPolicy } from '../../../lib/table/delivery-model';
import { TASK_ERROR_NAMES } from '../../../lib/shared/errors';
import {
  AWS_FAILURES,
  EMAIL_RETRYABLE_FAILURES,
  EXPIRED_FAILURE,
  FALLBACK_FAILURES,
  MAX_EMAIL_TRIES,
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
    // AWS itself throttled or failing, through the state machine's retries: transient, like silence
    ['Lambda.TooManyRequestsException', 1, 600, true, 'RESEND', 10],
    ['Lambda.ServiceException', 2, 600, false, 'RESEND', 30],
    ['Lambda.AWSLambdaException', 1, 600, true, 'RESEND', 10],
    ['Lambda.SdkClientException', 1, 600, true, 'RESEND', 10],
    ['Aws.Unavailable', 1, 600, true, 'RESEND', 10],
    ['Lambda.TooManyRequestsException', 3, 600, true, 'EMAIL', 0],
    ['Lambda.TooManyRequestsException', 3, 600, false, 'GIVE_UP', 0],
    ['Aws.Unavailable', 1, 69, true, 'EMAIL', 0],
    ['Lambda.TooManyRequestsException', 1, 0, true, 'EXPIRED', 0],
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

describe('decideNextStep after a failed fallback email', () => {
  // failure, email tries failed (this one included), seconds left, action
  const table: ReadonlyArray<[string, number, number, NextAction]> = [
    // throttled or unavailable through the retries: the email again while tries remain
    ['Email.Unavailable', 1, 600, 'EMAIL'],
    ['Lambda.TooManyRequestsException', 1, 600, 'EMAIL'],
    ['Lambda.ServiceException', 2, 600, 'EMAIL'],
    ['Aws.Unavailable', 2, 30, 'EMAIL'],
    // bounded: after MAX_EMAIL_TRIES failed tries the delivery ends
    ['Email.Unavailable', MAX_EMAIL_TRIES, 600, 'GIVE_UP'],
    ['Lambda.TooManyRequestsException', MAX_EMAIL_TRIES, 600, 'GIVE_UP'],
    // never a send after expiresAt
    ['Email.Unavailable', 1, 0, 'EXPIRED'],
    ['Lambda.TooManyRequestsException', 1, -5, 'EXPIRED'],
    // anything that is not a passing fault is not retried
    ['Email.Rejected', 1, 600, 'GIVE_UP'],
  ];

  it.each(table)(
    'after %s on email try %i with %i s left decides %s, never another SMS',
    (failure, emailFailures, secondsLeft, action) => {
      // Prepare: SMS attempt 1 of 3 failed permanently, so the email went out; attempts remain on paper.
      const input = {
        failure,
        failedTask: 'SendEmail' as const,
        emailFailures,
        attempt: 1,
        policy: POLICY,
        expiresAt: expiresIn(secondsLeft),
        now: NOW,
        hasEmail: true,
      };

      // Act
      const step = decideNextStep(input);

      // Assess
      expect(step).toMatchObject({ action, waitSeconds: 0 });
      expect(step.action).not.toBe('RESEND');
    },
  );

  it('says which try of the email comes next', () => {
    // Act
    const step = decideNextStep({
      failure: 'Lambda.TooManyRequestsException',
      failedTask: 'SendEmail',
      emailFailures: 1,
      attempt: 3,
      policy: POLICY,
      expiresAt: expiresIn(600),
      now: NOW,
      hasEmail: true,
    });

    // Assess
    expect(step.reason).toBe(
      'The fallback email could not be sent: AWS Lambda stayed throttled or unavailable through the retries ' +
        `(Lambda.TooManyRequestsException); trying the email again (try 2 of ${MAX_EMAIL_TRIES}).`,
    );
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
      if (name !== 'States.Timeout' && !name.startsWith('Lambda.')) {
        expect(TASK_ERROR_NAMES as readonly string[]).toContain(name);
      }
    }
  });

  it('never put a failure in both sets', () => {
    for (const name of RESENDABLE_FAILURES) expect(FALLBACK_FAILURES.has(name)).toBe(false);
  });

  it('treat every fault of AWS as transient, for an SMS attempt and for the email alike', () => {
    expect([...AWS_FAILURES].sort()).toEqual([
      'Aws.Unavailable',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.ServiceException',
      'Lambda.TooManyRequestsException',
    ]);
    for (const name of AWS_FAILURES) {
      expect(RESENDABLE_FAILURES).toContain(name);
      expect(EMAIL_RETRYABLE_FAILURES).toContain(name);
    }
  });
});

describe('decideNextStep with a secondary provider', () => {
  const base = {
    attempt: 1,
    policy: POLICY,
    expiresAt: expiresIn(600),
    now: NOW,
    hasEmail: true,
    provider: 'sinch' as const,
    secondary: 'aws-sms' as const,
  };

  it('sends the next attempt through the secondary at once when Sinch stayed unavailable', () => {
    // Act
    const step = decideNextStep({ ...base, failure: 'Sinch.Unavailable' });

    // Assess
    expect(step).toEqual({
      action: 'RESEND',
      waitSeconds: 0,
      provider: 'aws-sms',
      reason:
        'SMS attempt 1 through Sinch could not be handed to Sinch (service unavailable after retries): ' +
        'Sinch stayed unavailable through the retries, which says nothing about the number; ' +
        'sending attempt 2 of 3 through AWS End User Messaging SMS now.',
    });
  });

  it('fails over a Sinch refusal instead of falling back to email', () => {
    expect(decideNextStep({ ...base, failure: 'Sinch.Rejected' })).toMatchObject({
      action: 'RESEND',
      provider: 'aws-sms',
    });
    expect(decideNextStep({ ...base, failure: 'Sms.Config' })).toMatchObject({
      action: 'RESEND',
      provider: 'aws-sms',
    });
  });

  it('falls back to email for a wrong number, and says why in plain words', () => {
    // Act
    const step = decideNextStep({ ...base, failure: 'Sms.Permanent' });

    // Assess
    expect(step.action).toBe('EMAIL');
    expect(step.reason).toBe(
      'SMS attempt 1 through Sinch failed permanently (the number cannot receive SMS): the number itself ' +
        'cannot receive this SMS, whichever provider sends it; falling back to email.',
    );
  });

  it('gives Sinch a second try after one unexplained failure and moves after the second', () => {
    // Act
    const first = decideNextStep({ ...base, failure: 'Sms.Unknown' });
    const second = decideNextStep({
      ...base,
      attempt: 2,
      failure: 'Sms.Unknown',
      previousFailureOnSameProvider: 'Sms.Unknown',
    });

    // Assess
    expect(first).toMatchObject({ action: 'RESEND', provider: 'sinch', waitSeconds: 10 });
    expect(second).toMatchObject({ action: 'RESEND', provider: 'aws-sms', waitSeconds: 0 });
  });

  it('keeps a failing-over delivery on the secondary, within the attempts and validity left', () => {
    // Act
    const onSecondary = decideNextStep({
      ...base,
      attempt: 2,
      provider: 'aws-sms',
      failure: 'States.Timeout',
    });
    const lastAttempt = decideNextStep({ ...base, attempt: 3, failure: 'Sinch.Unavailable' });
    const tooLate = decideNextStep({ ...base, expiresAt: expiresIn(30), failure: 'Sinch.Unavailable' });

    // Assess
    expect(onSecondary).toMatchObject({ action: 'RESEND', provider: 'aws-sms', waitSeconds: 30 });
    expect(lastAttempt.action).toBe('EMAIL');
    expect(tooLate.action).toBe('EMAIL');
  });

  it('treats the secondary’s own send errors as Sinch’s: unavailable is resent, refused falls back', () => {
    expect(decideNextStep({ ...base, provider: 'aws-sms', failure: 'AwsSms.Unavailable' })).toMatchObject({
      action: 'RESEND',
      provider: 'aws-sms',
    });
    expect(decideNextStep({ ...base, provider: 'aws-sms', failure: 'AwsSms.Rejected' }).action).toBe('EMAIL');
  });

  it('decides as before, and names no provider, on a stage without a secondary', () => {
    // Act
    const step = decideNextStep({ ...base, secondary: undefined, failure: 'Sinch.Unavailable' });

    // Assess
    expect(step).toEqual({
      action: 'RESEND',
      waitSeconds: 10,
      reason:
        'SMS attempt 1 could not be handed to Sinch (service unavailable after retries); resending in 10 s (attempt 2 of 3).',
    });
  });
});
