import type { AttemptItem, DeliveryMetaItem } from '../table/delivery-model';
import { NotFoundError } from '../shared/errors';
import {
  PRIMARY_SMS_PROVIDER,
  providerOf,
  type SecondarySmsProviderId,
  type SmsProviderId,
} from '../shared/sms-providers';
import { decideNextStep, type FailedTask } from './next-step-policy';
import { reportedSmsFailure } from './sms-failure';
import type { DecideNextPayload, WorkflowState } from './task-contract';

/**
 * The `DecideNextStep` task: applies {@link decideNextStep} at the current time and returns the next
 * workflow state. It reads the `META` item only to learn whether an email address exists (the address
 * stays in the table, the workflow sees a boolean at most), and the attempt items to learn who sent each
 * SMS: the send path records the provider it actually used, which is what failover must judge.
 */

export interface DecideNextTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly attempts: { listAttempts(deliveryId: string): Promise<AttemptItem[]> };
  /** The stage's secondary SMS provider, if it has one. */
  readonly secondary?: SecondarySmsProviderId;
  readonly now: () => Date;
}

/** Who sent each SMS attempt, by attempt number. */
function providersByAttempt(attempts: readonly AttemptItem[]): Map<number, SmsProviderId> {
  return new Map(
    attempts.filter((item) => item.channel === 'SMS').map((item) => [item.attempt, providerOf(item)]),
  );
}

/**
 * Records the failure in the state's history and decides what happens next. For `RESEND`, `attempt` moves
 * on to the number of the SMS about to be sent and `provider` names who sends it; otherwise both stay
 * those of the last one sent.
 *
 * A failed SMS attempt is appended to `failures`, and a failure Sinch reported (`Sms.<Class>`) becomes
 * `lastSmsFailure`; a failed email (marked `failedTask: 'SendEmail'` by the state machine) is appended to
 * `emailFailures` instead, so `failures` stays the story of the SMS attempts.
 *
 * @example
 * await decideNextTask({ ...state, failure: 'States.Timeout' }, deps);
 * // { ...state, attempt: 2, failures: ['States.Timeout'], emailFailures: [], lastSmsFailure: null,
 * //   provider: 'sinch', decision: { action: 'RESEND', waitSeconds: 10, reason: 'SMS attempt 1 got no …' } }
 */
export async function decideNextTask(
  payload: DecideNextPayload,
  deps: DecideNextTaskDeps,
): Promise<WorkflowState> {
  const [meta, attempts] = await Promise.all([
    deps.deliveries.getMeta(payload.deliveryId),
    deps.attempts.listAttempts(payload.deliveryId),
  ]);
  if (!meta) throw new NotFoundError(`Delivery ${payload.deliveryId} has no META item`);

  const failedTask: FailedTask = payload.lastError?.failedTask ?? 'SendSms';
  const emailFailed = failedTask === 'SendEmail';
  const emailFailures = emailFailed ? [...payload.emailFailures, payload.failure] : payload.emailFailures;
  const providers = providersByAttempt(attempts);
  // An attempt that failed before its item was written (expired, DynamoDB down) was the primary's to send.
  const provider = providers.get(payload.attempt) ?? PRIMARY_SMS_PROVIDER;
  const previous = payload.attempt - 1;
  const previousFailureOnSameProvider =
    previous >= 1 && providers.get(previous) === provider ? payload.failures[previous - 1] : undefined;
  const decision = decideNextStep({
    failure: payload.failure,
    failedTask,
    attempt: payload.attempt,
    emailFailures: emailFailures.length,
    policy: payload.policy,
    expiresAt: payload.expiresAt,
    now: deps.now(),
    hasEmail: meta.email !== undefined,
    provider,
    previousFailureOnSameProvider,
    secondary: deps.secondary,
  });
  const reported = emailFailed
    ? undefined
    : reportedSmsFailure(payload.failure, payload.lastError?.Cause ?? undefined, payload.attempt);
  const resend = decision.action === 'RESEND';
  return {
    deliveryId: payload.deliveryId,
    expiresAt: payload.expiresAt,
    policy: payload.policy,
    attempt: resend ? payload.attempt + 1 : payload.attempt,
    failures: emailFailed ? payload.failures : [...payload.failures, payload.failure],
    emailFailures,
    lastSmsFailure: reported ?? payload.lastSmsFailure,
    provider: resend ? (decision.provider ?? provider) : provider,
    decision,
  };
}
