import {
  PRIMARY_SMS_PROVIDER,
  SMS_PROVIDER_NAMES,
  type SecondarySmsProviderId,
  type SmsProviderId,
} from '../shared/sms-providers';

/**
 * When an SMS attempt on the primary (Sinch) failed, whether the next attempt goes to the stage's secondary
 * provider: one table, one row per failure, each with its reason in plain words. Pure; `DecideNextStep`
 * applies it through `decideNextStep` (next-step-policy.ts), and `tests/unit/workflow/failover-rules.test.ts`
 * checks every row. docs/workflow.md ("Failover to the secondary provider") mirrors it.
 *
 * The table only moves a delivery *to* the secondary. A failure on the secondary never moves it back: the
 * primary has already failed this delivery (or the breaker has it open), and the resend and fallback rules
 * of next-step-policy.ts bound what is left.
 */

export type FailoverMove = 'SECONDARY' | 'STAY';

export interface FailoverRule {
  /** The task error that ended the attempt on the primary. */
  readonly failure: string;
  /**
   * Only for a failure that can be chance once and a pattern twice: `false` for the first such failure of
   * the delivery on the primary, `true` when the attempt before it failed the same way. Absent: either.
   */
  readonly repeated?: boolean;
  readonly move: FailoverMove;
  /** Why, in words support staff read in the execution history. */
  readonly why: string;
}

export const FAILOVER_RULES: readonly FailoverRule[] = [
  {
    failure: 'Sinch.Unavailable',
    move: 'SECONDARY',
    why: 'Sinch stayed unavailable through the retries, which says nothing about the number',
  },
  {
    failure: 'Sinch.Rejected',
    move: 'SECONDARY',
    why: "Sinch refused the request, a problem with our Sinch account or its configuration, not the number's",
  },
  {
    failure: 'Sms.Config',
    move: 'SECONDARY',
    why: "Sinch's SMS channel is misconfigured for us; the secondary has its own configuration",
  },
  {
    failure: 'Sms.Unknown',
    repeated: false,
    move: 'STAY',
    why: 'one unexplained failure can be chance, so Sinch gets another try',
  },
  {
    failure: 'Sms.Unknown',
    repeated: true,
    move: 'SECONDARY',
    why: 'Sinch failed twice in a row without saying why',
  },
  {
    failure: 'Sms.Permanent',
    move: 'STAY',
    why: 'the number itself cannot receive this SMS, whichever provider sends it',
  },
  {
    failure: 'Sms.Policy',
    move: 'STAY',
    why: 'a sending policy refused it (opt-in, content, sending window), and another provider would meet the same rule',
  },
  {
    failure: 'Sms.Transient',
    move: 'STAY',
    why: 'a temporary network error is as likely to pass on Sinch as anywhere',
  },
  {
    failure: 'Sms.RateLimited',
    move: 'STAY',
    why: 'the operator rate-limited the recipient, which every provider meets',
  },
  {
    failure: 'States.Timeout',
    move: 'STAY',
    why: 'silence is usually a slow carrier, not a Sinch fault',
  },
];

export interface FailoverInput {
  readonly failure: string;
  /** Who sent the attempt that failed. */
  readonly failedOn: SmsProviderId;
  /** The failure of the attempt before it, when that one was on the same provider. */
  readonly previousFailureOnSameProvider?: string;
  /** The stage's secondary, when it has one. */
  readonly secondary?: SecondarySmsProviderId;
}

export interface FailoverChoice {
  /** Who sends the next SMS attempt, if there is one. */
  readonly provider: SmsProviderId;
  /** The row that decided it; absent when no row applies (no secondary, or the attempt was not the primary's). */
  readonly rule?: FailoverRule;
}

/** The row for a failure on the primary, or `undefined` when the table has none (the delivery stays). */
export function failoverRuleFor(failure: string, repeated: boolean): FailoverRule | undefined {
  return FAILOVER_RULES.find(
    (rule) => rule.failure === failure && (rule.repeated === undefined || rule.repeated === repeated),
  );
}

/**
 * Who sends the next attempt after a failure.
 *
 * @example
 * chooseNextProvider({ failure: 'Sinch.Unavailable', failedOn: 'sinch', secondary: 'aws-sms' });
 * // { provider: 'aws-sms', rule: { failure: 'Sinch.Unavailable', move: 'SECONDARY', why: '…' } }
 * chooseNextProvider({ failure: 'Sms.Permanent', failedOn: 'sinch', secondary: 'aws-sms' });
 * // { provider: 'sinch', rule: { failure: 'Sms.Permanent', move: 'STAY', why: 'the number itself …' } }
 */
export function chooseNextProvider(input: FailoverInput): FailoverChoice {
  if (input.secondary === undefined || input.failedOn !== PRIMARY_SMS_PROVIDER) {
    return { provider: input.failedOn };
  }
  const rule = failoverRuleFor(input.failure, input.previousFailureOnSameProvider === input.failure);
  if (rule === undefined) return { provider: input.failedOn };
  return { provider: rule.move === 'SECONDARY' ? input.secondary : input.failedOn, rule };
}

/** "through AWS End User Messaging SMS", for decision reasons. */
export function throughProvider(provider: SmsProviderId): string {
  return `through ${SMS_PROVIDER_NAMES[provider]}`;
}
