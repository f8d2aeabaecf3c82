import type { FailureClass } from '../lib/shared/errors';
import type { Outcome } from '../lib/table/delivery-model';
import type { DeliveryReport } from './timeline';

/**
 * What a support person should conclude and do, by failure class and by outcome. `docs/runbook.md`
 * says the same in prose; keep the two in step.
 */
export interface Guidance {
  /** What happened, in plain words. */
  readonly meaning: string;
  /** What to do about it. */
  readonly action: string;
}

export const FAILURE_CLASS_GUIDANCE: Record<FailureClass, Guidance> = {
  Permanent: {
    meaning: 'The number cannot receive SMS (invalid, unreachable or not a mobile number).',
    action: 'Ask the user to check the phone number on their account. Resending will not help.',
  },
  Transient: {
    meaning: 'A temporary problem at the carrier or at Sinch.',
    action: 'The workflow resends by itself. If the user still has no code, ask them to request a new one.',
  },
  RateLimited: {
    meaning: 'Messages were sent faster than Sinch or the carrier accepts.',
    action: 'Usually clears by itself. If many deliveries show it, alert engineering (throughput limits).',
  },
  Policy: {
    meaning: 'The carrier or Sinch refused the message by policy (opt-out, blocked sender, content filter).',
    action: 'Ask whether the user replied STOP or blocked the sender; otherwise alert engineering.',
  },
  Config: {
    meaning: 'Our Sinch setup is wrong (credentials, channel configuration or sender).',
    action: 'Alert engineering now: this affects every user, not only this one.',
  },
  Unknown: {
    meaning: 'Sinch gave no usable reason.',
    action: 'Ask the user to request a new code; if it repeats across users, alert engineering.',
  },
};

export const OUTCOME_GUIDANCE: Record<Outcome | 'IN_PROGRESS', Guidance> = {
  DELIVERED: {
    meaning: 'The carrier confirmed the first SMS reached the phone.',
    action:
      'Ask the user to look in their messages (and blocked or spam senders), and that the number is theirs.',
  },
  DELIVERED_AFTER_RESEND: {
    meaning: 'An SMS was confirmed delivered after one or more resends.',
    action: 'Ask the user to use the newest code they received.',
  },
  EMAIL_SENT: {
    meaning: 'No SMS was confirmed, so the code was sent by email.',
    action: 'Ask the user to check their inbox and spam folder.',
  },
  UNDELIVERABLE: {
    meaning: 'No SMS was confirmed and there was no email address to fall back to.',
    action: 'Act on the failure class (below); the user then requests a new code.',
  },
  EXPIRED: {
    meaning: 'The code expired before it could be delivered, so it was not sent again.',
    action: 'Ask the user to request a new code.',
  },
  IN_PROGRESS: {
    meaning: 'The workflow is still working (waiting for a receipt, or about to resend).',
    action: 'Wait a minute and run the same command again.',
  },
};

/** The failure class of the last SMS attempt that failed, if any. */
export function lastFailureClass(report: DeliveryReport): FailureClass | undefined {
  const failed = report.attempts.filter((a) => a.channel === 'SMS' && a.failureClass !== undefined);
  return failed.at(-1)?.failureClass;
}

/** The conclusion `inspect` prints under the timeline: the outcome's guidance, then the failure's. */
export function verdict(report: DeliveryReport): readonly Guidance[] {
  const guidance: Guidance[] = [OUTCOME_GUIDANCE[report.outcome]];
  const failureClass = lastFailureClass(report);
  const delivered = report.outcome === 'DELIVERED' || report.outcome === 'DELIVERED_AFTER_RESEND';
  if (failureClass && !delivered) guidance.push(FAILURE_CLASS_GUIDANCE[failureClass]);
  return guidance;
}
