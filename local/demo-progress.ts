import { DEFAULT_POLICY, type DeliveryPolicy } from '../lib/table/delivery-model';
import type { DeliverySummary } from './delivery-summary';

/**
 * What `npm run demo` says while it waits: a line for each delivery as it reaches its outcome, and for the
 * ones still running, what each waits for and at most how long. Pure, so the wording is unit-tested.
 */

/**
 * The longest a delivery can take under a policy, in modelled seconds: every SMS attempt waiting out its
 * receipt window, with the backoffs in between (the email after that takes a moment).
 *
 * @example
 * worstCaseSeconds(DEFAULT_POLICY); // 210: 3 × 60 s windows + 10 s + 30 s backoff
 */
export function worstCaseSeconds(policy: DeliveryPolicy = DEFAULT_POLICY): number {
  let total = policy.maxSmsAttempts * policy.receiptTimeoutSeconds;
  for (let attempt = 1; attempt < policy.maxSmsAttempts; attempt += 1) {
    const list = policy.resendBackoffSeconds;
    total += list.length === 0 ? 0 : (list[Math.min(attempt - 1, list.length - 1)] ?? 0);
  }
  return total;
}

/** What a running delivery waits for, from the attempts recorded so far. */
export function waitingFor(summary: DeliverySummary | undefined): string {
  const sms = (summary?.attempts ?? []).filter((a) => a.channel === 'SMS');
  const last = sms.at(-1);
  if (!last) return 'its first SMS to be sent';
  if (last.status === 'FAILED' || last.status === 'DELIVERED' || last.status === 'READ') {
    return `the next step after SMS attempt ${last.attempt} (${last.status})`;
  }
  return `a delivery report for SMS attempt ${last.attempt}`;
}

export interface FinishedLine {
  readonly scenario: string;
  readonly outcome: string;
  readonly expectedOutcome: string;
  readonly smsSent: number;
  readonly emails: number;
  readonly seconds: number | undefined;
}

/**
 * One line for a delivery that reached its outcome.
 *
 * @example
 * finishedLine({ scenario: 'delivered', outcome: 'DELIVERED', expectedOutcome: 'DELIVERED', smsSent: 1, emails: 0, seconds: 0.6 });
 * // '  ✓ delivered: DELIVERED after 0.6 s (1 SMS, 0 emails)'
 */
export function finishedLine(line: FinishedLine): string {
  const mark = line.outcome === line.expectedOutcome ? '✓' : '✗';
  const time = line.seconds === undefined ? '' : ` after ${line.seconds.toFixed(1)} s`;
  const expected = line.outcome === line.expectedOutcome ? '' : `, expected ${line.expectedOutcome}`;
  const emails = `${line.emails} email${line.emails === 1 ? '' : 's'}`;
  return `  ${mark} ${line.scenario}: ${line.outcome}${time} (${line.smsSent} SMS, ${emails}${expected})`;
}

/**
 * The line for the deliveries still running: how many, what each waits for, and at most how long the
 * slowest may still take (the worst case of the policy, at the stack's time scale, less the time gone).
 */
export function waitingLine(
  running: readonly { readonly scenario: string; readonly summary?: DeliverySummary }[],
  options: {
    readonly elapsedSeconds: number;
    readonly timeDivisor: number;
    readonly policy?: DeliveryPolicy;
  },
): string {
  const left = Math.max(
    0,
    Math.ceil(worstCaseSeconds(options.policy) / options.timeDivisor - options.elapsedSeconds),
  );
  const what = running.map((r) => `${r.scenario} (${waitingFor(r.summary)})`).join(', ');
  return `  … ${running.length} still running, at most about ${left} s more: ${what}`;
}
