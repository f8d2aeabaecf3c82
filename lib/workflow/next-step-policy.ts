import type { DeliveryPolicy } from '../table/delivery-model';

/**
 * What the delivery workflow does after an SMS attempt did not end in a delivery report. Pure: the clock is
 * a parameter, so every rule is a table test. The `DecideNextStep` task calls it because only a task knows
 * "now" (a Choice state cannot read the current time, and the local engine's context object is static).
 */

/** What happens next. */
export type NextAction = 'RESEND' | 'EMAIL' | 'GIVE_UP' | 'EXPIRED';

export interface NextStepInput {
  /** The task error that ended the attempt: `Sms.<Class>`, `Sinch.*`, `Delivery.Expired` or `States.Timeout`. */
  readonly failure: string;
  /** Number of the SMS attempt that just failed, from 1. */
  readonly attempt: number;
  readonly policy: DeliveryPolicy;
  /** When the code stops being valid (ISO 8601). */
  readonly expiresAt: string;
  readonly now: Date;
  /** Whether the request carried an email fallback. A boolean: the address itself never reaches the workflow. */
  readonly hasEmail: boolean;
}

export interface NextStep {
  readonly action: NextAction;
  /** Seconds to wait before the resend; 0 for every other action. */
  readonly waitSeconds: number;
  /** Plain words for the execution history, read by support staff. Never holds a recipient or the text. */
  readonly reason: string;
}

/** Failures after which the same message may well get through on a later try. */
export const RESENDABLE_FAILURES: ReadonlySet<string> = new Set([
  'Sms.Transient',
  'Sms.RateLimited',
  'Sms.Unknown',
  'States.Timeout',
  'Sinch.Unavailable',
]);

/** Failures that another SMS cannot fix: the number, the content or our configuration is the problem. */
export const FALLBACK_FAILURES: ReadonlySet<string> = new Set([
  'Sms.Permanent',
  'Sms.Policy',
  'Sms.Config',
  'Sinch.Rejected',
]);

/** Raised by a sending task that found the code already expired. */
export const EXPIRED_FAILURE = 'Delivery.Expired';

/**
 * The wait before resend number `attempt + 1`: the policy lists one backoff per resend; when there are more
 * resends than entries the last entry repeats, and an empty list means "resend at once".
 */
export function backoffBefore(attempt: number, policy: DeliveryPolicy): number {
  const list = policy.resendBackoffSeconds;
  if (list.length === 0) return 0;
  return list[Math.min(attempt - 1, list.length - 1)] ?? 0;
}

function describeFailure(failure: string, attempt: number, policy: DeliveryPolicy): string {
  const which = `SMS attempt ${attempt}`;
  switch (failure) {
    case 'States.Timeout':
      return `${which} got no delivery report within ${policy.receiptTimeoutSeconds} s`;
    case 'Sms.Transient':
      return `${which} failed with a temporary network error`;
    case 'Sms.RateLimited':
      return `${which} was rate limited by the operator`;
    case 'Sms.Unknown':
      return `${which} failed for a reason Sinch did not classify`;
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
    default:
      return `${which} failed (${failure})`;
  }
}

function fallBack(hasEmail: boolean, why: string): NextStep {
  return hasEmail
    ? { action: 'EMAIL', waitSeconds: 0, reason: `${why}; falling back to email.` }
    : { action: 'GIVE_UP', waitSeconds: 0, reason: `${why}; no email address was given, so giving up.` };
}

/**
 * Decides the next step of a delivery after a failed SMS attempt.
 *
 * - Past `expiresAt` → `EXPIRED`: a stale code is never sent, by SMS or by email.
 * - A resendable failure (`Sms.Transient`, `Sms.RateLimited`, `Sms.Unknown`, `Sinch.Unavailable`, no report in
 *   time) → `RESEND` after the policy's backoff, but only while attempts remain and the code stays valid for
 *   the backoff plus one more receipt window (otherwise the resend could not be verified before expiry).
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

  const what = describeFailure(failure, attempt, policy);
  if (!RESENDABLE_FAILURES.has(failure)) return fallBack(hasEmail, what);

  if (attempt >= policy.maxSmsAttempts) {
    return fallBack(hasEmail, `${what}, and all ${policy.maxSmsAttempts} SMS attempts are used`);
  }

  const waitSeconds = backoffBefore(attempt, policy);
  const secondsNeeded = waitSeconds + policy.receiptTimeoutSeconds;
  if (secondsNeeded > secondsLeft) {
    return fallBack(
      hasEmail,
      `${what}, and the code expires in ${secondsLeft} s: too soon for another SMS ` +
        `(${waitSeconds} s backoff + ${policy.receiptTimeoutSeconds} s to confirm it)`,
    );
  }

  return {
    action: 'RESEND',
    waitSeconds,
    reason: `${what}; resending in ${waitSeconds} s (attempt ${attempt + 1} of ${policy.maxSmsAttempts}).`,
  };
}
