import type { DeliveryMetaItem } from '../table/delivery-model';
import { NotFoundError } from '../shared/errors';
import { decideNextStep, type FailedTask } from './next-step-policy';
import { reportedSmsFailure } from './sms-failure';
import type { DecideNextPayload, WorkflowState } from './task-contract';

/**
 * The `DecideNextStep` task: applies {@link decideNextStep} at the current time and returns the next
 * workflow state. It reads the `META` item only to learn whether an email address exists; the address
 * stays in the table, the workflow sees a boolean at most.
 */

export interface DecideNextTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly now: () => Date;
}

/**
 * Records the failure in the state's history and decides what happens next. For `RESEND`, `attempt` moves
 * on to the number of the SMS about to be sent; otherwise it stays the number of the last one sent.
 *
 * A failed SMS attempt is appended to `failures`, and a failure Sinch reported (`Sms.<Class>`) becomes
 * `lastSmsFailure`; a failed email (marked `failedTask: 'SendEmail'` by the state machine) is appended to
 * `emailFailures` instead, so `failures` stays the story of the SMS attempts.
 *
 * @example
 * await decideNextTask({ ...state, failure: 'States.Timeout' }, deps);
 * // { ...state, attempt: 2, failures: ['States.Timeout'], emailFailures: [], lastSmsFailure: null,
 * //   decision: { action: 'RESEND', waitSeconds: 10, reason: 'SMS attempt 1 got no delivery report …' } }
 */
export async function decideNextTask(
  payload: DecideNextPayload,
  deps: DecideNextTaskDeps,
): Promise<WorkflowState> {
  const meta = await deps.deliveries.getMeta(payload.deliveryId);
  if (!meta) throw new NotFoundError(`Delivery ${payload.deliveryId} has no META item`);

  const failedTask: FailedTask = payload.lastError?.failedTask ?? 'SendSms';
  const emailFailed = failedTask === 'SendEmail';
  const emailFailures = emailFailed ? [...payload.emailFailures, payload.failure] : payload.emailFailures;
  const decision = decideNextStep({
    failure: payload.failure,
    failedTask,
    attempt: payload.attempt,
    emailFailures: emailFailures.length,
    policy: payload.policy,
    expiresAt: payload.expiresAt,
    now: deps.now(),
    hasEmail: meta.email !== undefined,
  });
  const reported = emailFailed
    ? undefined
    : reportedSmsFailure(payload.failure, payload.lastError?.Cause ?? undefined, payload.attempt);
  return {
    deliveryId: payload.deliveryId,
    expiresAt: payload.expiresAt,
    policy: payload.policy,
    attempt: decision.action === 'RESEND' ? payload.attempt + 1 : payload.attempt,
    failures: emailFailed ? payload.failures : [...payload.failures, payload.failure],
    emailFailures,
    lastSmsFailure: reported ?? payload.lastSmsFailure,
    decision,
  };
}
