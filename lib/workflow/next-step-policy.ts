import type { DeliveryPolicy } from '../table/delivery-model';
import {
  PRIMARY_SMS_PROVIDER,
  SMS_PROVIDER_NAMES,
  type SecondarySmsProviderId,
  type SmsProviderId,
} from '../shared/sms-providers';
import { chooseNextProvider, throughProvider, type FailoverRule } from './failover-rules';
import { LAMBDA_SERVICE_ERRORS } from './task-errors';

/**
 * What the delivery workflow does after an SMS attempt did not end in a delivery report. Pure: the clock is
 * a parameter, so every rule is a table test. The `DecideNextStep` task calls it because only a task knows
 * "now" (a Choice state cannot read the current time, and the local engine's context object is static).
 */

/** What happens next. */
export type NextAction = 'RESEND' | 'EMAIL' | 'GIVE_UP' | 'EXPIRED';

/** The sending task whose failure is being decided on. */
export type FailedTask = 'SendSms' | 'SendEmail';

export interface NextStepInput {
  /**
   * The task error that ended the attempt: `Sms.<Class>`, `Sinch.*`, `Delivery.Expired`, `States.Timeout`,
   * or a fault of AWS (`Lambda.*`, `Aws.Unavailable`); for the email, `Email.Unavailable` or a fault of AWS.
   */
  readonly failure: string;
  /** Which task failed: an SMS attempt (the default) or the fallback email. */
  readonly failedTask?: FailedTask;
  /** Number of the SMS attempt that just failed, from 1; for an email failure, the last SMS attempt sent. */
  readonly attempt: number;
  /** For an email failure: how many tries of the email have failed, this one included. */
  readonly emailFailures?: number;
  readonly policy: DeliveryPolicy;
  /** When the code stops being valid (ISO 8601). */
  readonly expiresAt: string;
  readonly now: Date;
  /** Whether the request carried an email fallback. A boolean: the address itself never reaches the workflow. */
  readonly hasEmail: boolean;
  /** Who sent the SMS attempt that failed; the primary when not given. */
  readonly provider?: SmsProviderId;
  /** The failure of the attempt before, when the same provider sent it (for "failed twice in a row"). */
  readonly previousFailureOnSameProvider?: string;
  /** The stage's secondary SMS provider, when it has one (`secondarySmsProvider`). */
  readonly secondary?: SecondarySmsProviderId;
}

export interface NextStep {
  readonly action: NextAction;
  /** Seconds to wait before the resend; 0 for every other action. */
  readonly waitSeconds: number;
  /** Plain words for the execution history, read by support staff. Never holds a recipient or the text. */
  readonly reason: string;
  /** For `RESEND`: who sends the next SMS attempt. */
  readonly provider?: SmsProviderId;
}

/**
 * Faults of AWS rather than of the message: Lambda could not run the task, or an AWS service the task called
 * stayed throttled or down. The state machine has already retried them for a minute or two; what is left is
 * as transient as a silent carrier, and is handled like one, never as the end of the delivery.
 */
export const AWS_FAILURES: ReadonlySet<string> = new Set([...LAMBDA_SERVICE_ERRORS, 'Aws.Unavailable']);

/**
 * Failures after which the same message may well get through on a later try. An attempt whose task AWS
 * could not run still counts as an attempt: Lambda can fail after the function ran (a
 * `Lambda.ServiceException` on the way back), so the SMS may be out, and counting it keeps "never more than
 * `maxSmsAttempts` SMS" true without knowing.
 */
export const RESENDABLE_FAILURES: ReadonlySet<string> = new Set([
  'Sms.Transient',
  'Sms.RateLimited',
  'Sms.Unknown',
  'States.Timeout',
  'Sinch.Unavailable',
  'AwsSms.Unavailable',
  ...AWS_FAILURES,
]);

/** Failures that another SMS cannot fix: the number, the content or our configuration is the problem. */
export const FALLBACK_FAILURES: ReadonlySet<string> = new Set([
  'Sms.Permanent',
  'Sms.Policy',
  'Sms.Config',
  'Sinch.Rejected',
  'AwsSms.Rejected',
]);

/** Raised by a sending task that found the code already expired. */
export const EXPIRED_FAILURE = 'Delivery.Expired';

/** Failures of the fallback email after which the same email may go out on a later try. */
export const EMAIL_RETRYABLE_FAILURES: ReadonlySet<string> = new Set(['Email.Unavailable', ...AWS_FAILURES]);

/**
 * How many times `SendEmail` is entered for one delivery at most. Each entry already retries SES and Lambda
 * throttling for up to 90 s, so three entries ride out up to four and a half minutes of throttling (most codes
 * are valid 5–10 minutes), and a code valid for a day is not retried for a day.
 */
export const MAX_EMAIL_TRIES = 3;

/**
 * The wait before resend number `attempt + 1`: the policy lists one backoff per resend; when there are more
 * resends than entries the last entry repeats, and an empty list means "resend at once".
 */
export function backoffBefore(attempt: number, policy: DeliveryPolicy): number {
  const list = policy.resendBackoffSeconds;
  if (list.length === 0) return 0;
  return list[Math.min(attempt - 1, list.length - 1)] ?? 0;
}

/**
 * How a reason names the attempt: "SMS attempt 2", and the provider too once there is more than one
 * ("SMS attempt 2 through AWS End User Messaging SMS").
 */
function attemptName(attempt: number, provider: SmsProviderId, secondary: boolean): string {
  const which = `SMS attempt ${attempt}`;
  return secondary || provider !== PRIMARY_SMS_PROVIDER ? `${which} ${throughProvider(provider)}` : which;
}

function describeFailure(
  failure: string,
  which: string,
  provider: SmsProviderId,
  policy: DeliveryPolicy,
): string {
  switch (failure) {
    case 'States.Timeout':
      return `${which} got no delivery report within ${policy.receiptTimeoutSeconds} s`;
    case 'Sms.Transient':
      return `${which} failed with a temporary network error`;
    case 'Sms.RateLimited':
      return `${which} was rate limited by the operator`;
    case 'Sms.Unknown':
      return `${which} failed for a reason ${SMS_PROVIDER_NAMES[provider]} did not classify`;
    case 'Sinch.Unavailable':
      return `${which} could not be handed to Sinch (service unavailable after retries)`;
    case 'Sms.Permanent':
      return `${which} failed permanently (the number cannot receive SMS)`;
    case 'Sms.Policy':
      return `${which} was blocked by a sending policy`;
    case 'Sms.Config':
      return `${which} failed because of a configuration problem on our side`;
    case 'Sinch.Rejected':
      return `${which} was rejected by Sinch before sending`;
    case 'AwsSms.Unavailable':
      return `${which} could not be handed to AWS End User Messaging SMS (throttled or unavailable after retries)`;
    case 'AwsSms.Rejected':
      return `${which} was refused by AWS End User Messaging SMS before sending`;
    case 'Aws.Unavailable':
      return `${which} could not be sent: an AWS service it needs stayed throttled or unavailable through the retries`;
    default:
      if (AWS_FAILURES.has(failure)) {
        return `${which} could not be sent: AWS Lambda stayed throttled or unavailable through the retries (${failure})`;
      }
      return `${which} failed (${failure})`;
  }
}

function describeEmailFailure(failure: string): string {
  switch (failure) {
    case 'Email.Unavailable':
      return 'The fallback email could not be handed to SES (throttled or unavailable through the retries)';
    case 'Aws.Unavailable':
      return 'The fallback email could not be sent: an AWS service it needs stayed throttled or unavailable through the retries';
    default:
      if (AWS_FAILURES.has(failure)) {
        return `The fallback email could not be sent: AWS Lambda stayed throttled or unavailable through the retries (${failure})`;
      }
      return `The fallback email failed (${failure})`;
  }
}

/** After a failed email: the email again while tries remain and the failure may pass, else give up. */
function afterEmailFailure(failure: string, emailFailures: number): NextStep {
  const what = describeEmailFailure(failure);
  if (!EMAIL_RETRYABLE_FAILURES.has(failure)) {
    return { action: 'GIVE_UP', waitSeconds: 0, reason: `${what}; giving up.` };
  }
  if (emailFailures >= MAX_EMAIL_TRIES) {
    return {
      action: 'GIVE_UP',
      waitSeconds: 0,
      reason: `${what}, and all ${MAX_EMAIL_TRIES} tries of the email are used; giving up.`,
    };
  }
  return {
    action: 'EMAIL',
    waitSeconds: 0,
    reason: `${what}; trying the email again (try ${emailFailures + 1} of ${MAX_EMAIL_TRIES}).`,
  };
}

function fallBack(hasEmail: boolean, why: string): NextStep {
  return hasEmail
    ? { action: 'EMAIL', waitSeconds: 0, reason: `${why}; falling back to email.` }
    : { action: 'GIVE_UP', waitSeconds: 0, reason: `${why}; no email address was given, so giving up.` };
}

/**
 * Decides the next step of a delivery after a failed SMS attempt or a failed fallback email.
 *
 * - Past `expiresAt` → `EXPIRED`: a stale code is never sent, by SMS or by email.
 * - A failed email (`failedTask: 'SendEmail'`) never leads back to SMS (the email was chosen because SMS
 *   could not help): `EMAIL` again after a transient failure (`Email.Unavailable`, a fault of AWS) while
 *   fewer than {@link MAX_EMAIL_TRIES} tries have failed, else `GIVE_UP`.
 * - A resendable SMS failure (`Sms.Transient`, `Sms.RateLimited`, `Sms.Unknown`, `Sinch.Unavailable`, no
 *   report in time, a fault of AWS) → `RESEND` after the policy's backoff, but only while attempts remain and
 *   the code stays valid for the backoff plus one more receipt window (otherwise the resend could not be
 *   verified before expiry).
 * - Anything else, or no resend possible → `EMAIL` when an address was given, else `GIVE_UP`.
 *
 * @example
 * decideNextStep({ failure: 'States.Timeout', attempt: 1, policy: DEFAULT_POLICY, hasEmail: true,
 *   expiresAt: '2030-01-01T00:10:00Z', now: new Date('2030-01-01T00:00:00Z') });
 * // { action: 'RESEND', waitSeconds: 10, reason: 'SMS attempt 1 got no delivery report within 60 s; …' }
 */
export function decideNextStep(input: NextStepInput): NextStep {
  const { failure, attempt, policy, now, hasEmail } = input;
  const expiresAtMs = Date.parse(input.expiresAt);
  const secondsLeft = Math.floor((expiresAtMs - now.getTime()) / 1000);

  if (failure === EXPIRED_FAILURE || !(secondsLeft > 0)) {
    return {
      action: 'EXPIRED',
      waitSeconds: 0,
      reason: `The code expired at ${new Date(expiresAtMs).toISOString()}; nothing more is sent.`,
    };
  }

  if (input.failedTask === 'SendEmail') return afterEmailFailure(failure, input.emailFailures ?? 1);

  const provider = input.provider ?? PRIMARY_SMS_PROVIDER;
  const which = attemptName(attempt, provider, input.secondary !== undefined);
  const what = describeFailure(failure, which, provider, policy);
  const next = chooseNextProvider({
    failure,
    failedOn: provider,
    previousFailureOnSameProvider: input.previousFailureOnSameProvider,
    secondary: input.secondary,
  });
  const failingOver = next.provider !== provider;
  if (!failingOver && !RESENDABLE_FAILURES.has(failure)) {
    return fallBack(hasEmail, withRule(what, next.rule));
  }

  if (attempt >= policy.maxSmsAttempts) {
    return fallBack(hasEmail, `${what}, and all ${policy.maxSmsAttempts} SMS attempts are used`);
  }

  // Another provider is not the same route again: nothing to back off from.
  const waitSeconds = failingOver ? 0 : backoffBefore(attempt, policy);
  const secondsNeeded = waitSeconds + policy.receiptTimeoutSeconds;
  if (secondsNeeded > secondsLeft) {
    return fallBack(
      hasEmail,
      `${what}, and the code expires in ${secondsLeft} s: too soon for another SMS ` +
        `(${waitSeconds} s backoff + ${policy.receiptTimeoutSeconds} s to confirm it)`,
    );
  }

  const of = `attempt ${attempt + 1} of ${policy.maxSmsAttempts}`;
  if (failingOver) {
    return {
      action: 'RESEND',
      waitSeconds,
      provider: next.provider,
      reason: `${withRule(what, next.rule)}; sending ${of} ${throughProvider(next.provider)} now.`,
    };
  }
  return {
    action: 'RESEND',
    waitSeconds,
    // Named only on a stage with a choice: without a secondary every attempt is Sinch's.
    ...(input.secondary !== undefined && { provider: next.provider }),
    reason: `${withRule(what, next.rule)}; resending in ${waitSeconds} s (${of}${
      input.secondary === undefined ? '' : `, ${throughProvider(next.provider)}`
    }).`,
  };
}

/** The failure, and the failover row's reason when one decided (only on a stage with a secondary). */
function withRule(what: string, rule: FailoverRule | undefined): string {
  return rule === undefined ? what : `${what}: ${rule.why}`;
}
