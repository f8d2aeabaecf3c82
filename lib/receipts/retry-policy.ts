import { isTransientAwsError } from '../shared/aws-errors';
import { AppError } from '../shared/errors';

/**
 * How soon the processor sees a failed receipt again, as pure functions. A record reported as a batch item
 * failure would otherwise come back only after the receipts queue's visibility timeout (180 s, six times
 * the processor's timeout), three times the workflow's default receipt window (60 s): the workflow would
 * resend, or email, a message that had in fact been delivered.
 */

/** A back-off: `baseSeconds` on the first receive, doubling with each receive, never above `maxSeconds`. */
export interface RetrySchedule {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** Spread the delay over its upper half, so records that failed together do not come back together. */
  readonly jitter: boolean;
}

/**
 * A receipt that matches no attempt yet: 5 s, 10 s, 20 s, 40 s, then 60 s. The usual cause, a receipt that
 * overtook the send-sms write of the message id or the lag of the `byMessage` index, resolves in seconds.
 */
export const UNCORRELATED_RETRY: RetrySchedule = { baseSeconds: 5, maxSeconds: 60, jitter: false };

/**
 * A transient failure (throttling, a 5xx, the network): about 2 s, 4 s, 8 s, 16 s, then 20 s at most. The
 * first four retries together take at most 30 s, half the default receipt window, so a receipt that met a
 * short throttle still wakes the workflow in time; jitter spreads a throttled batch instead of sending it
 * back as one burst.
 */
export const TRANSIENT_RETRY: RetrySchedule = { baseSeconds: 2, maxSeconds: 20, jitter: true };

/**
 * The delay before the next try of a record on its `receiveCount`-th receive, in whole seconds (what
 * `ChangeMessageVisibility` takes), at least 1.
 *
 * @param random - a value in [0, 1); injected so tests get the same delay every run
 * @example
 * retryDelaySeconds(3); // 20 (UNCORRELATED_RETRY)
 * retryDelaySeconds(3, TRANSIENT_RETRY, () => 0.5); // 6: between 4 and 8
 */
export function retryDelaySeconds(
  receiveCount: number,
  schedule: RetrySchedule = UNCORRELATED_RETRY,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(schedule.baseSeconds * 2 ** Math.max(receiveCount - 1, 0), schedule.maxSeconds);
  if (!schedule.jitter) return ceiling;
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

/**
 * Whether an error may pass on its own, so the record is worth retrying within seconds: throttling, a
 * server-side fault or 5xx, a timeout or a network error, or one of our errors marked `retryable`.
 * Anything else (access denied, a missing table, a bug) needs a person, and retrying it quickly would only
 * use up the receives before the redrive policy parks it; it waits the visibility timeout instead.
 *
 * @example
 * isTransientError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })); // true
 * isTransientError(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })); // false
 */
export function isTransientError(error: unknown): boolean {
  return error instanceof AppError ? error.retryable : isTransientAwsError(error);
}
